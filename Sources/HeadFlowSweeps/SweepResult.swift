import HeadFlowNumerics
import HeadFlowDynamics

/// The cells of one sweep gathered so far — all of them, a shard's, or the
/// union of several shards — with the manifest that says which sweep it is.
public struct SweepResult: Sendable {
    /// `{format, engine, cells, axes, base}` (see `SweepGrid.manifest`).
    public let manifest: JSONValue
    /// The varied parameters, in `--vary` order.
    public let axes: [SweepAxis]
    /// The cells present, sorted by index, one per index.
    public let cells: [CellResult]
    /// The shard these cells were meant to cover (nil: the whole grid).
    public let shard: Shard?

    /// A result from its parts; `cells` need not be sorted.
    public init(manifest: JSONValue, axes: [SweepAxis], cells: [CellResult], shard: Shard? = nil) {
        self.manifest = manifest; self.axes = axes; self.shard = shard
        var byIndex: [Int: CellResult] = [:]
        for c in cells { byIndex[c.index] = c }
        self.cells = byIndex.keys.sorted().map { byIndex[$0]! }
    }

    /// A result read back from a manifest and cells (a store, a sweep JSON).
    public init(manifest: JSONValue, cells: [CellResult], source: String) throws(SweepFileError) {
        guard manifest["format"]?.stringValue == "headflow-sweep/1", let axesJSON = manifest["axes"]?.arrayValue else {
            throw SweepFileError(source, "not a headflow sweep (no headflow-sweep/1 manifest)")
        }
        var axes: [SweepAxis] = []
        for a in axesJSON {
            guard let axis = SweepAxis(json: a) else { throw SweepFileError(source, "malformed axis \(a.rendered())") }
            axes.append(axis)
        }
        let total = axes.reduce(1) { $0 * $1.values.count }
        if let bad = cells.first(where: { $0.index < 0 || $0.index >= total || $0.values.count != axes.count }) {
            throw SweepFileError(source, "cell \(bad.index) does not belong to this grid of \(total) cells")
        }
        var seen = Set<Int>()
        for c in cells where !seen.insert(c.index).inserted {
            throw SweepFileError(source, "two cells claim index \(c.index)")
        }
        self.init(manifest: manifest, axes: axes, cells: cells)
    }

    /// Joins parts of one sweep. Every manifest must be the same sweep, and a
    /// cell present in two parts must have the same record in both.
    public static func merge(_ parts: [(source: String, result: SweepResult)]) throws(SweepFileError) -> SweepResult {
        guard let first = parts.first else { throw SweepFileError("merge", "nothing to merge") }
        let reference = first.result.manifest.rendered()
        var byIndex: [Int: (String, CellResult)] = [:]
        for (source, part) in parts {
            guard part.manifest.rendered() == reference else {
                throw SweepFileError(source, "is a different sweep from \(first.source) (axes, base parameters or engine differ)")
            }
            for c in part.cells {
                if let (other, seen) = byIndex[c.index], seen != c {
                    throw SweepFileError(source, "cell \(c.index) differs from the one in \(other)")
                }
                byIndex[c.index] = (source, c)
            }
        }
        return SweepResult(manifest: first.result.manifest, axes: first.result.axes, cells: byIndex.values.map(\.1))
    }

    /// Number of cells in the whole grid.
    public var total: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The indices this result should cover (the shard's, or all).
    public var expected: [Int] { (shard ?? .all).cells(of: total) }

    /// Expected cells not present.
    public var missing: [Int] {
        let have = Set(cells.map(\.index))
        return expected.filter { !have.contains($0) }
    }

    /// Cells that failed (with the time reached).
    public var failed: [CellResult] { cells.filter { $0.status != .finished } }

    /// The base parameters every cell started from.
    public var base: JSONValue { manifest["base"] ?? .null }

    /// The engine settings (`{name, max-steps}`).
    public var engine: JSONValue { manifest["engine"] ?? .null }

    /// The largest `k` and `m` over the cells present (base values if none).
    public var shape: (features: Int, neurons: Int) {
        var k = base["alpha"]?.arrayValue?.count ?? 2, m = base["neurons"]?.intValue ?? 2
        for c in cells { let s = c.shape; k = max(k, s.features); m = max(m, s.neurons) }
        if let a = axes.first(where: { $0.parameter.key == .named("neurons") }) { m = max(m, a.values.compactMap { $0.number.map(Int.init) }.max() ?? m) }
        return (k, m)
    }

    /// The index of the seed axis, if the seed is varied.
    public var seedAxis: Int? { axes.firstIndex { $0.parameter.isSeed } }

    /// The coordinates of cell `index` (row-major, the last axis fastest).
    public func coordinates(of index: Int) -> [Int] {
        var rest = index
        var out = Array(repeating: 0, count: axes.count)
        for a in axes.indices.reversed() { out[a] = rest % axes[a].values.count; rest /= axes[a].values.count }
        return out
    }

    /// True for a sweep of SGD on real images (its engine's `data` is `fashion-mnist` or `files`).
    public var isImageSweep: Bool {
        manifest["engine"]?["data"]?.stringValue.flatMap(DataKind.init(rawValue:))?.isImage ?? false
    }

    /// Parses a metric name valid for these cells (`option` names the CLI option in errors).
    public func metric(_ name: String, option: String = "outcome") throws(ParameterError) -> SweepMetric {
        if isImageSweep { return try SweepMetric(parsingImage: name, option: option) }
        let s = shape
        return try SweepMetric(parsing: name, features: s.features, neurons: s.neurons, option: option)
    }
}
