import Foundation
import HeadFlowNumerics
import HeadFlowDynamics

/// The lines of one boundary search gathered so far — all, a shard's, or the union of shards — with the manifest
/// (`BoundarySearch.manifest`) that says which search it is. Kept in a sweep's store (`SweepStore`: `DIR/sweep.json`
/// the manifest, `DIR/cells/cell-NNNNNN.json` one finished line each, written atomically), so `--out` resumes,
/// `--shard i/n` splits by line index and `headflow merge` joins the directories, as for a sweep.
public struct BoundaryResult: Sendable {
    /// `{format: headflow-boundary/1, along, sweep}`; `.null` for lines read from a JSON list.
    public let manifest: JSONValue
    /// The `--vary` axes.
    public let axes: [SweepAxis]
    /// The lines present, sorted by index, one per index.
    public let lines: [BoundaryLine]
    /// The shard these lines were meant to cover (nil: all).
    public let shard: Shard?
    /// Number of lines of the whole search.
    public let total: Int

    /// A result from its parts; `lines` need not be sorted.
    public init(manifest: JSONValue, axes: [SweepAxis], lines: [BoundaryLine], total: Int, shard: Shard? = nil) {
        var byIndex: [Int: BoundaryLine] = [:]
        for l in lines { byIndex[l.index] = l }
        self.manifest = manifest; self.axes = axes; self.total = total; self.shard = shard
        self.lines = byIndex.keys.sorted().map { byIndex[$0]! }
    }

    /// `{name, between, scale, scan, rel_precision, metric, level}` of the search.
    public var along: JSONValue { manifest["along"] ?? .null }

    /// The base parameters every line started from (the sweep manifest's `base`).
    public var base: JSONValue { manifest["sweep"]?["base"] ?? .null }

    /// The engine settings (`{name, …}`).
    public var engine: JSONValue { manifest["sweep"]?["engine"] ?? .null }

    /// The indices this result should cover.
    public var expected: [Int] { (shard ?? .all).cells(of: total) }

    /// Expected lines not present.
    public var missing: [Int] { let have = Set(lines.map(\.index)); return expected.filter { !have.contains($0) } }

    /// Lines with a failed point.
    public var failed: [BoundaryLine] { lines.filter { !$0.result.failures.isEmpty } }
}

// MARK: - The store

extension BoundarySearch {
    /// Opens (creating) the store `directory` for this search; throws when it holds another search or sweep.
    public func openStore(_ directory: String) throws(SweepFileError) -> SweepStore {
        try SweepStore.open(directory, manifest: manifest)
    }

    /// The lines already in `store` that belong to this search (`mismatch`), and every other line file with why.
    public func resumable(_ store: SweepStore) -> (lines: [BoundaryLine], rejected: [String]) {
        var lines: [BoundaryLine] = [], rejected: [String] = []
        let fp = Fingerprint.of(manifest)
        for (path, json) in BoundaryStoreFiles.lines(store.directory) {
            guard let json, let line = BoundaryLine(json: json, level: level) else { rejected.append("\(path): not a boundary line record"); continue }
            guard path == store.path(of: line.index) else { rejected.append("\(path): holds line \(line.index)"); continue }
            if let why = mismatch(line, json: json, fingerprint: fp) { rejected.append("\(path): \(why)"); continue }
            lines.append(line)
        }
        return (lines, rejected)
    }

    /// Writes a finished line at once, atomically, with the fingerprint of this search's manifest.
    public func write(_ line: BoundaryLine, to store: SweepStore) throws(SweepFileError) {
        let text = line.json(axes: axes, along: alongJSON, fingerprint: Fingerprint.of(manifest)).rendered(pretty: true) + "\n"
        try SweepStore.write(text, to: store.path(of: line.index))
    }

    /// The level of a metric target (nil for an outcome).
    var level: Double? { if case .level(_, let x) = target { return x }; return nil }

    /// Why `line` (read from `json`) is not one of this search's, or nil: the manifest's fingerprint, its own
    /// parameters' fingerprint, an index inside the grid, and the values and parameters of that index.
    func mismatch(_ line: BoundaryLine, json: JSONValue, fingerprint: String) -> String? {
        guard json["fingerprint"]?["boundary"]?.stringValue == fingerprint else { return "line \(line.index) belongs to another search (fingerprint)" }
        guard json["fingerprint"]?["parameters"]?.stringValue == Fingerprint.of(line.parameters) else {
            return "line \(line.index): its parameters were changed after it was written (fingerprint mismatch)"
        }
        guard line.index < lineCount, let expected = try? describe(line: line.index) else {
            return "line \(line.index) is outside this search of \(lineCount) lines"
        }
        guard expected.values == line.values, expected.parameters == line.parameters else {
            return "line \(line.index): its values or parameters contradict its index"
        }
        return nil
    }

    /// Reads a boundary store back, its manifest and every line verified. Throws a `SweepFileError` for `source`.
    public static func load(_ directory: String) throws(SweepFileError) -> (BoundarySearch, BoundaryResult) {
        let manifest = try SweepStore.readJSON(directory + "/" + SweepStore.manifestName)
        let search = try BoundarySearch(manifest: manifest, source: directory)
        let fp = Fingerprint.of(manifest)
        var lines: [BoundaryLine] = []
        for (path, json) in BoundaryStoreFiles.lines(directory) {
            guard let json, let line = BoundaryLine(json: json, level: search.level) else { throw SweepFileError(path, "not a boundary line record") }
            guard path == SweepStore(directory: directory, manifest: manifest).path(of: line.index) else {
                throw SweepFileError(path, "holds line \(line.index), not the line its name says")
            }
            if let why = search.mismatch(line, json: json, fingerprint: fp) { throw SweepFileError(path, why) }
            lines.append(line)
        }
        return (search, BoundaryResult(manifest: manifest, axes: search.axes, lines: lines, total: search.lineCount))
    }

    /// The search a manifest describes (its sweep part verified as a sweep's, `VerifiedManifest`), so that the
    /// manifest is exactly the one this search writes.
    public init(manifest: JSONValue, source: String) throws(SweepFileError) {
        guard manifest["format"]?.stringValue == Self.format, let along = manifest["along"], let sweep = manifest["sweep"] else {
            throw SweepFileError(source, "not a headflow boundary store (no \(Self.format) manifest)")
        }
        let verified = try VerifiedManifest(sweep, source: source)
        let axes = verified.grid.axes
        guard let line = axes.last, line.values.count == 2, let lo = line.values[0].number, let hi = line.values[1].number,
              let scan = along["scan"]?.intValue, let rel = along["rel_precision"]?.doubleValue,
              let metricName = along["metric"]?.stringValue else {
            throw SweepFileError(source, "header: malformed along")
        }
        do {
            let empty = SweepResult(manifest: sweep, axes: axes, cells: [])
            let metric = try empty.metric(metricName, option: "metric")
            let target: BoundaryTarget = metric == .outcome ? .outcome : .level(metric, along["level"]?.doubleValue ?? .nan)
            try self.init(base: verified.grid.base, axes: Array(axes.dropLast()), along: line.parameter.name,
                          between: "\(lo),\(hi)", scan: scan, relativePrecision: rel, target: target, engine: verified.engine)
        } catch { throw SweepFileError(source, "header: \(error)") }
        guard self.manifest.rendered() == manifest.rendered() else {
            throw SweepFileError(source, "header: the manifest is not the one this search writes (a key was changed by hand)")
        }
    }

    /// Joins stores of one search (`headflow merge`): every manifest the same, a line in two stores the same.
    public static func merge(_ directories: [String]) throws(SweepFileError) -> (BoundarySearch, BoundaryResult) {
        guard let first = directories.first else { throw SweepFileError("merge", "nothing to merge") }
        let (search, head) = try load(first)
        var byIndex: [Int: (String, BoundaryLine)] = [:]
        let render = { (l: BoundaryLine) in l.json(axes: search.axes, along: search.alongJSON).rendered() }
        for d in directories {
            let (other, part) = d == first ? (search, head) : try load(d)
            guard other.manifest.rendered() == search.manifest.rendered() else {
                throw SweepFileError(d, "is a different boundary search from \(first)")
            }
            for l in part.lines {
                if let (src, seen) = byIndex[l.index], render(seen) != render(l) { throw SweepFileError(d, "line \(l.index) differs from the one in \(src)") }
                byIndex[l.index] = (d, l)
            }
        }
        return (search, BoundaryResult(manifest: search.manifest, axes: search.axes, lines: byIndex.values.map(\.1), total: search.lineCount))
    }
}

/// The line files of a store directory.
enum BoundaryStoreFiles {
    /// Every `cells/cell-*.json`, sorted, with its JSON (nil when it does not parse).
    static func lines(_ directory: String) -> [(path: String, json: JSONValue?)] {
        let dir = directory + "/" + SweepStore.cellsName
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("cell-") && $0.hasSuffix(".json") }.sorted()
        return names.map { name in (dir + "/" + name, try? SweepStore.readJSON(dir + "/" + name)) }
    }
}

// MARK: - Lines read from a boundary JSON list (plot, fit)

extension BoundaryResult {
    /// Reads `headflow boundary --format json` (a list of lines) or a boundary `--out` directory.
    public static func load(_ path: String, isDirectory: Bool) throws(SweepFileError) -> BoundaryResult {
        if isDirectory { return try BoundarySearch.load(path).1 }
        let json = try SweepStore.readJSON(path)
        guard let list = json.arrayValue, let first = list.first, let along = first["along"], along["name"]?.stringValue != nil else {
            throw SweepFileError(path, "not a headflow boundary JSON (a list of lines with along; written by headflow boundary --format json)")
        }
        var lines: [BoundaryLine] = []
        var axes: [SweepAxis] = []
        for (i, j) in list.enumerated() {
            guard j["along"] == along, let line = BoundaryLine(json: j, level: along["level"]?.doubleValue) else {
                throw SweepFileError(path, "line \(i) is malformed or from another search")
            }
            lines.append(line)
        }
        for (name, _) in first["values"]?.objectValue ?? [] {
            guard let p = try? SweepParameter(parsing: name) else { throw SweepFileError(path, "unknown parameter \(name)") }
            let vals = lines.compactMap { l in l.values.count == (first["values"]?.objectValue?.count ?? 0) ? l.values[axes.count] : nil }
            var seen: [SweepValue] = []
            for v in vals where !seen.contains(v) { seen.append(v) }
            axes.append(SweepAxis(parameter: p, values: seen, spec: seen.map(\.description).joined(separator: ",")))
        }
        return BoundaryResult(manifest: .object([("along", along)]), axes: axes, lines: lines, total: lines.count)
    }
}
