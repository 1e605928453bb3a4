import HeadFlowNumerics
import HeadFlowDynamics

/// One varied parameter and the values it takes (`--vary NAME=SPEC`).
public struct SweepAxis: Equatable, Sendable {
    /// The parameter.
    public let parameter: SweepParameter
    /// Its values, in the order the SPEC lists them.
    public let values: [SweepValue]
    /// The SPEC as given (recorded, not re-parsed).
    public let spec: String

    /// An axis with explicit values.
    public init(parameter: SweepParameter, values: [SweepValue], spec: String) {
        self.parameter = parameter; self.values = values; self.spec = spec
    }

    /// Parses `NAME=SPEC` (see `SweepParameter(parsing:)` and `ValueSpec`).
    public init(parsing text: String) throws(ParameterError) {
        guard let eq = text.firstIndex(of: "=") else {
            throw ParameterError("vary", must: "NAME=SPEC, as in eta-e=1e-3:1e-1:log:9 or seed=1,2,3", got: "\"\(text)\"")
        }
        let p = try SweepParameter(parsing: String(text[..<eq]))
        let spec = String(text[text.index(after: eq)...])
        self.init(parameter: p, values: try ValueSpec.parse(spec, for: p), spec: spec)
    }

    /// `{name, spec, values}`.
    public var json: JSONValue {
        .object([("name", .string(parameter.name)), ("spec", .string(spec)), ("values", .array(values.map(\.json)))])
    }

    /// Reads back what `json` wrote.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let p = try? SweepParameter(parsing: name),
              let vs = json["values"]?.arrayValue else { return nil }
        var values: [SweepValue] = []
        for v in vs { guard let x = SweepValue(json: v) else { return nil }; values.append(x) }
        self.init(parameter: p, values: values, spec: json["spec"]?.stringValue ?? "")
    }
}

/// One grid point: its index in enumeration order, its coordinate on each
/// axis, and the full run spec it names.
public struct SweepCell: Sendable {
    /// Position in enumeration order (0-based).
    public let index: Int
    /// Index into each axis's values.
    public let coordinates: [Int]
    /// The value on each axis.
    public let values: [SweepValue]
    /// The base spec with every axis value set.
    public let spec: RunSpec
}

/// The grid of a sweep: a base `RunSpec` and the axes varied over it. Cells
/// are enumerated in row-major order — the first `--vary` varies slowest —
/// so cell `i` is the same cell whatever `--jobs` or `--shard`.
public struct SweepGrid: Sendable {
    /// The run options every cell starts from.
    public let base: RunSpec
    /// The varied parameters, in `--vary` order.
    public let axes: [SweepAxis]

    /// At most this many cells.
    public static let maximumCells = 1_000_000

    /// A grid over `axes`. Throws a `ParameterError` for `--vary` when there is
    /// no axis, a parameter is varied twice (or with its ratio), or the grid is too
    /// large, and for the parameter itself when a base value is out of range.
    public init(base: RunSpec, axes: [SweepAxis]) throws(ParameterError) {
        guard !axes.isEmpty else { throw ParameterError("vary", must: "given at least once (NAME=SPEC)", got: "none") }
        try base.validate()  // every base value is checked, the varied ones too
        var seen: [SweepParameter.Key: String] = [:]
        for axis in axes {
            var keys = [axis.parameter.key]
            if axis.parameter.key == .alphaRatio || axis.parameter.key == .alpha(1) { keys = [.alphaRatio, .alpha(1)] }
            if axis.parameter.key == .etaERatio || axis.parameter.key == .named("eta-e") { keys = [.etaERatio, .named("eta-e")] }
            for k in keys {
                if let other = seen[k] {
                    throw ParameterError("vary", must: "given once per parameter", got: "\(other) and \(axis.parameter.name)")
                }
            }
            for k in keys { seen[k] = axis.parameter.name }
        }
        var total = 1
        for a in axes {
            total = total.multipliedReportingOverflow(by: a.values.count).partialValue
            if total > Self.maximumCells || total <= 0 {
                throw ParameterError("vary", must: "a grid of at most \(Self.maximumCells) cells", got: "more")
            }
        }
        self.base = base
        self.axes = axes
    }

    /// Number of cells: the product of the axis lengths.
    public var count: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The axis coordinates of cell `index` (row-major: the last axis varies fastest).
    public func coordinates(of index: Int) -> [Int] {
        var rest = index
        var out = Array(repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            let n = axes[a].values.count
            out[a] = rest % n
            rest /= n
        }
        return out
    }

    /// The index of the cell at `coordinates`.
    public func index(of coordinates: [Int]) -> Int {
        zip(axes, coordinates).reduce(0) { $0 * $1.0.values.count + $1.1 }
    }

    /// Cell `index`: the base with each axis value set (derived ratios last).
    public func cell(_ index: Int) throws(ParameterError) -> SweepCell {
        let coords = coordinates(of: index)
        let values = zip(axes, coords).map { $0.values[$1] }
        var spec = base
        for pass in [false, true] {
            for (axis, v) in zip(axes, values) where axis.parameter.isDerived == pass {
                try spec.set(axis.parameter, to: v)
            }
        }
        return SweepCell(index: index, coordinates: coords, values: values, spec: spec)
    }

    /// `name=value, …` of a cell, for messages.
    public func describe(_ cell: SweepCell) -> String {
        zip(axes, cell.values).map { "\($0.parameter.name)=\($1)" }.joined(separator: ", ")
    }

    /// Checks that `validate` (the engine's problem builder) accepts the base
    /// — every option given is valid, varied or not — and every cell, so bad
    /// input stops before any work. The error names the parameter and the
    /// first cell where it fails.
    public func validate(_ validate: (RunSpec) throws(ParameterError) -> Void) throws(ParameterError) {
        do { try validate(base) } catch {
            throw ParameterError(error.parameter, must: error.validRange, got: "\(error.received), the base value before --vary")
        }
        for i in 0..<count {
            let c = try cell(i)
            do { try validate(c.spec) } catch {
                throw ParameterError(error.parameter, must: error.validRange, got: "\(error.received) at \(describe(c))")
            }
        }
    }

    /// The axis of the seed, if varied.
    public var seedAxis: Int? { axes.firstIndex { $0.parameter.isSeed } }

    /// `{engine, axes, base}` identifies a sweep: a store or shard with a
    /// different manifest belongs to a different sweep.
    public func manifest(engine: JSONValue) -> JSONValue {
        .object([("format", .string("headflow-sweep/1")), ("engine", engine), ("cells", .integer(count)),
                 ("axes", .array(axes.map(\.json))), ("base", base.json)])
    }
}

/// `--shard i/n`: the cells with `index mod n == i` (`0 ≤ i < n`). The `n`
/// shards partition the grid; each can run on its own machine (GNU parallel,
/// a Slurm job array with `i = $SLURM_ARRAY_TASK_ID`).
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// This shard, `0 ≤ index < count`.
    public let index: Int
    /// The number of shards.
    public let count: Int

    /// Shard `index` of `count`; nil unless `0 ≤ index < count`.
    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 0, index < count else { return nil }
        self.index = index; self.count = count
    }

    /// Parses `i/n`. Throws a `ParameterError` for `--shard`.
    public init(parsing text: String) throws(ParameterError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces) }
        guard parts.count == 2, let i = parts[0], let n = parts[1] else {
            throw ParameterError("shard", must: "i/n with integers 0 ≤ i < n (e.g. 0/4)", got: "\"\(text)\"")
        }
        guard let s = Shard(index: i, count: n) else {
            throw ParameterError("shard", must: "i/n with 0 ≤ i < n and n ≥ 1", got: "\"\(text)\"")
        }
        self = s
    }

    /// The whole grid.
    public static let all = Shard(index: 0, count: 1)!

    /// Whether cell `index` belongs to this shard.
    public func contains(_ cellIndex: Int) -> Bool { cellIndex % count == index }

    /// This shard's cells of a grid of `total`, in order.
    public func cells(of total: Int) -> [Int] { Array(stride(from: index, to: total, by: count)) }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }
}
