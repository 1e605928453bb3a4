import Synchronization
import HeadFlowNumerics
import HeadFlowDynamics

/// What a boundary is a change of: the outcome at `t_end` (collapse `C`, diverse `D`, …), or a numeric metric of the
/// sweep (`t_learn`, an event time, `peak_e21`, `final_loss`, `erank`, …) crossing `level`.
public enum BoundaryTarget: Equatable, Sendable {
    /// The outcome class changes.
    case outcome
    /// `metric < level` on one side, `metric ≥ level` on the other (an event that never happened counts as ≥).
    case level(SweepMetric, Double)

    /// The metric whose value is recorded at each point.
    public var metric: SweepMetric { if case .level(let m, _) = self { return m }; return .outcome }
}

/// The value at one evaluated point of a line: an outcome, a metric's number, or an event that did not happen by `t_end`.
public enum BoundarySide: Equatable, Sendable, CustomStringConvertible {
    /// An outcome class (written as its table letter, `C`, `D`, `p`, `w`, `.`).
    case outcome(Outcome)
    /// A metric's value.
    case number(Double)
    /// The metric's event did not happen by `t_end`.
    case never

    /// The letter, the number, or `never`.
    public var description: String {
        switch self {
        case .outcome(let o): return String(o.symbol)
        case .number(let x): return NumberFormat.short(x)
        case .never: return "never"
        }
    }

    /// `"C"`, a number, or `"never"`.
    public var json: JSONValue {
        switch self {
        case .outcome(let o): return .string(String(o.symbol))
        case .number(let x): return .number(x)
        case .never: return .string("never")
        }
    }

    /// Reads back what `json` wrote.
    public init?(json: JSONValue) {
        if let x = json.doubleValue { self = .number(x); return }
        guard let s = json.stringValue else { return nil }
        if s == "never" { self = .never; return }
        guard let o = Outcome.allCases.first(where: { String($0.symbol) == s }) else { return nil }
        self = .outcome(o)
    }
}

/// `headflow boundary`: where the outcome (or a metric's level) changes along one parameter `x ∈ [lo, hi]` (the
/// critical head rate `η_E*` along `η_E/η`), on every cell of the other parameters' grid. The grid is a sweep's
/// (`--vary`, the run options as its base) with the line as its last axis holding the two ends `[lo, hi]`, so a
/// sweep's validation, `checkActs` and manifest serve it; line `i` is that grid's cell `2i` without its last value.
/// The search along each line is `SwitchSearch` (coarse scan, then bisection of every change), each point solved by
/// the sweep's engine, so a point is exactly the cell `headflow sweep` would compute there.
public struct BoundarySearch: Sendable {
    /// The sweep grid: the `--vary` axes, then the line `[lo, hi]`.
    public let grid: SweepGrid
    /// The parameter along the line.
    public let along: SweepParameter
    /// The line's ends, `lo < hi`.
    public let low: Double, high: Double
    /// Coarse scan points (both ends included).
    public let scan: Int
    /// The scale, precision and integrality of the bisection.
    public let search: SwitchSearch
    /// What changes at the boundary.
    public let target: BoundaryTarget
    /// What solves a point.
    public let engine: any SweepEngine

    /// A search along `along ∈ [low, high]` on every cell of `axes` over `base`. A parameter taking no negative value
    /// (a rate, a size, a magnitude: `eta-e-ratio`, `d`, `noise`) is bisected in `log x` and needs `0 < low`;
    /// others (`init-a[1,2]`) in `x`. Throws a `ParameterError` naming `along`, `between`, `scan`, `rel-precision`
    /// or the grid's option.
    public init(base: RunSpec, axes: [SweepAxis], along name: String, between: String, scan: Int, relativePrecision: Double,
                target: BoundaryTarget, engine: any SweepEngine) throws(ParameterError) {
        let notNumeric = ParameterError("along", must: "a numeric parameter (not seed or a choice): \(Self.numericNames)", got: "\"\(name)\"")
        guard let p = try? SweepParameter(parsing: name) else { throw notNumeric }
        guard p.kind.isNumeric, !Self.seeds.contains(p.name) else {
            throw ParameterError("along", must: "a numeric parameter (not seed or a choice): \(Self.numericNames)", got: "\"\(name)\"")
        }
        let ends = between.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard ends.count == 2, let lo = ends[0], let hi = ends[1], lo.isFinite, hi.isFinite else {
            throw ParameterError("between", must: "LO,HI: two finite numbers", got: "\"\(between)\"")
        }
        guard lo < hi else { throw ParameterError("between", must: "LO,HI with LO < HI", got: "\"\(between)\"") }
        let integral = p.kind == .integer
        if integral, lo.rounded() != lo || hi.rounded() != hi || abs(lo) > 1e15 || abs(hi) > 1e15 {
            throw ParameterError("between", must: "integers LO,HI for \(p.name) (an integer parameter)", got: "\"\(between)\"")
        }
        let positive = Self.takesOnlyPositive(p, base: base)
        if positive, lo <= 0 {
            throw ParameterError("between", must: "LO,HI with LO > 0 (\(p.name) is positive and bisected in log)", got: "\"\(between)\"")
        }
        guard (2...1000).contains(scan) else { throw ParameterError("scan", must: "an integer in 2…1000", got: "\(scan)") }
        guard relativePrecision.isFinite, relativePrecision >= 1e-12, relativePrecision <= 0.5 else {
            throw ParameterError("rel-precision", must: "in [1e-12, 0.5]", got: "\(relativePrecision)")
        }
        if case .level(let m, let level) = target {
            guard m.isNumeric else { throw ParameterError("metric", must: "a numeric metric with --level", got: "outcome") }
            guard level.isFinite else { throw ParameterError("level", must: "a finite number", got: "\(level)") }
        }
        let ends2: [SweepValue] = integral ? [.integer(Int(lo)), .integer(Int(hi))] : [.real(lo), .real(hi)]
        let line = SweepAxis(parameter: p, values: ends2, spec: "\(ends2[0]),\(ends2[1])")
        grid = try SweepGrid(base: base, axes: axes + [line])
        along = p; low = lo; high = hi; self.scan = scan; self.target = target; self.engine = engine
        search = SwitchSearch(scale: positive ? .log : .linear, integral: integral, relativePrecision: relativePrecision)
    }

    /// Seeds: numbers that name a draw, not a quantity along which anything changes continuously.
    static let seeds: Set<String> = ["seed", "data-seed"]

    /// The names `--along` accepts: the numeric `--vary` names but the seeds.
    public static var numericNames: String {
        SweepParameter.simple.filter { !seeds.contains($0.0) && SweepParameter($0.1).kind.isNumeric }.map(\.0).joined(separator: ", ")
            + ", alpha[ℓ], init-a[ℓ,j], init-b[j,r]"
    }

    /// True when `p` takes no negative value in `base` (the table's range rejects `−1`): a rate, a size or a
    /// magnitude (`η_E ≥ 0`, `d ≥ 1`, `σ_ξ > 0`), bisected in `log x` (so its line needs `lo > 0`).
    static func takesOnlyPositive(_ p: SweepParameter, base: RunSpec) -> Bool {
        var s = base
        // A value the parameter cannot even hold (a seed, an entry of a matrix not given) is for the grid to reject.
        guard (try? s.set(p, to: p.kind == .integer ? .integer(-1) : .real(-1))) != nil else { return p.kind == .integer }
        return (try? s.validate()) == nil
    }

    /// Number of lines: the cells of the `--vary` grid (1 without `--vary`).
    public var lineCount: Int { grid.count / 2 }

    /// The `--vary` axes (the grid's without the line).
    public var axes: [SweepAxis] { Array(grid.axes.dropLast()) }

    /// The value of the line at `x` (an integer parameter's rounded).
    func value(_ x: Double) -> SweepValue { search.integral ? .integer(Int(x.rounded())) : .real(x) }

    /// The run spec of line `line` at `x` (derived ratios set last, as in `SweepGrid.cell`).
    public func spec(line: Int, at x: Double) throws(ParameterError) -> RunSpec {
        let values = Array(try grid.cell(2 * line).values.dropLast()) + [value(x)]
        var spec = grid.base
        for pass in [false, true] {
            for (axis, v) in zip(grid.axes, values) where axis.parameter.isDerived == pass { try spec.set(axis.parameter, to: v) }
        }
        return spec
    }

    /// Line `line`'s values on the `--vary` axes and every parameter of its run (the line's parameter at its base value).
    public func describe(line: Int) throws(ParameterError) -> (values: [SweepValue], parameters: JSONValue) {
        let values = Array(try grid.cell(2 * line).values.dropLast())
        var spec = grid.base
        for pass in [false, true] {
            for (axis, v) in zip(axes, values) where axis.parameter.isDerived == pass { try spec.set(axis.parameter, to: v) }
        }
        return (values, spec.json)
    }

    /// Solves line `line` at `x` with the engine and reads the target's side; a failed or rejected run is `.failed`.
    public func probe(line: Int, at x: Double) -> LineProbe<BoundarySide> {
        let result: CellResult
        do throws(ParameterError) {
            result = engine.run(SweepCell(index: line, coordinates: [], values: [], spec: try spec(line: line, at: x)))
        } catch { return .failed(error.description) }
        if case .failed(_, let message) = result.status { return .failed(message) }
        switch target {
        case .outcome:
            guard let o = result.outcome else { return .failed("no outcome") }
            return .result(.outcome(o), key: String(o.symbol))
        case .level(let m, let level):
            guard let v = m.number(in: result) else { return .result(.never, key: "above") }
            return .result(.number(v), key: v < level ? "below" : "above")
        }
    }

    /// The scan's points along every line.
    public var scanPoints: [Double] {
        search.scanPoints(low, high, count: scan) { NumberFormat.decimalRounded($0) }
    }

    /// Searches `lines` (indices) on up to `jobs` threads: the scan points of every line first (one `WorkerPool`
    /// job), then one bisection per line (a second job); `finished` gets each line as it completes (one call at a
    /// time: the store writes it). Results in the order of `lines`, the same bits for any `jobs`. If `finished`
    /// throws, no further line is reported and the error is rethrown.
    public func run<E: Error>(_ lines: [Int], jobs: Int,
                              finished: @escaping @Sendable (BoundaryLine) throws(E) -> Void) throws(E) -> [BoundaryLine] {
        let xs = scanPoints, n = xs.count
        let pool = WorkerPool(threads: max(1, min(jobs, lines.count * n)))
        let probes = pool.map(lines.count * n) { i in probe(line: lines[i / n], at: xs[i % n]) }
        let sink = FirstError<E>()
        let found = pool.map(lines.count) { l -> BoundaryLine? in
            if sink.stopped { return nil }
            let scanned = (0..<n).map { (x: xs[$0], probe: probes[l * n + $0]) }
            let result = search.search(scan: scanned) { x in probe(line: lines[l], at: x) }
            let line: BoundaryLine
            do throws(ParameterError) {
                let (values, parameters) = try describe(line: lines[l])
                line = BoundaryLine(index: lines[l], values: values, parameters: parameters, result: result)
            } catch { preconditionFailure("line \(lines[l]) of a validated grid: \(error)") }
            return sink.report(line, finished) ? line : nil
        }
        if let e = sink.error { throw e }
        return found.compactMap { $0 }
    }

    /// `{name, between, scale, scan, rel_precision, metric, level}`: how every line was searched.
    public var alongJSON: JSONValue {
        var kv: [(String, JSONValue)] = [
            ("name", .string(along.name)), ("between", .array(grid.axes.last!.values.map(\.json))),
            ("scale", .string(search.scale.rawValue)), ("scan", .integer(scan)),
            ("rel_precision", .number(search.relativePrecision)), ("metric", .string("\(target.metric)")),
        ]
        if case .level(_, let level) = target { kv.append(("level", .number(level))) }
        return .object(kv)
    }

    /// `{format: headflow-boundary/1, along, sweep}`: identifies a boundary store (the sweep manifest is the grid's,
    /// line included).
    public var manifest: JSONValue {
        .object([("format", .string(Self.format)), ("along", alongJSON), ("sweep", grid.manifest(engine: engine.settingsJSON))])
    }

    /// The manifest format.
    public static let format = "headflow-boundary/1"
}

/// The sink of `BoundarySearch.run`: one call at a time, and none after the first error, which is kept.
private final class FirstError<E: Error>: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private var first: E?

    var stopped: Bool { lock.withLock { _ in first != nil } }
    var error: E? { lock.withLock { _ in first } }

    /// Hands `line` to `sink` unless an error came first; false when it did not go through.
    func report(_ line: BoundaryLine, _ sink: (BoundaryLine) throws(E) -> Void) -> Bool {
        lock.withLock { _ in
            guard first == nil else { return false }
            do throws(E) { try sink(line); return true } catch { first = error; return false }
        }
    }
}
