import Foundation
import HeadFlowNumerics

/// A problem with a sweep directory or file: which path, what is wrong.
public struct SweepFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory.
    public let path: String
    /// What is wrong with it, in words.
    public let problem: String

    /// An error about `path`.
    public init(_ path: String, _ problem: String) { self.path = path; self.problem = problem }

    /// `PATH: problem`.
    public var description: String { "\(path): \(problem)" }
}

/// The resumable store behind `--out DIR`: `DIR/sweep.json` holds the sweep's
/// manifest (engine, axes, base parameters) and `DIR/cells/cell-NNNNNN.json`
/// one finished cell each, written atomically (temporary file + rename) the
/// moment the cell finishes. A killed sweep loses at most the cells in flight;
/// re-running with the same `--out` skips the finished ones and removes the
/// temporaries the killed one left (`removeStaleTemporaries`). Shards may share
/// one directory or use one each (`headflow merge` joins them).
public struct SweepStore: Sendable {
    /// The directory.
    public let directory: String
    /// The sweep it holds.
    public let manifest: JSONValue

    static let manifestName = "sweep.json"
    static let cellsName = "cells"

    /// Opens `directory` for the sweep `manifest`, creating it (and writing the
    /// manifest) if needed. Throws when it holds a different sweep or cannot be written.
    public static func open(_ directory: String, manifest: JSONValue) throws(SweepFileError) -> SweepStore {
        do { try OutputPath.validate(directory, option: "out") } catch { throw SweepFileError(directory, error.description) }
        let fm = FileManager.default
        let cells = directory + "/" + cellsName
        do { try fm.createDirectory(atPath: cells, withIntermediateDirectories: true) } catch {
            throw SweepFileError(directory, "cannot create the directory (\(error.localizedDescription))")
        }
        let path = directory + "/" + manifestName
        if fm.fileExists(atPath: path) {
            let existing = try readJSON(path)
            guard existing.rendered() == manifest.rendered() else {
                throw SweepFileError(directory, "holds a different sweep (other axes, base parameters or engine); use a new --out directory")
            }
        } else {
            try write(manifest.rendered(pretty: true) + "\n", to: path)
        }
        removeStaleTemporaries(in: directory)
        removeStaleTemporaries(in: cells)
        return SweepStore(directory: directory, manifest: manifest)
    }

    /// The file of cell `index`.
    public func path(of index: Int) -> String {
        directory + "/" + Self.cellsName + "/cell-" + String(index).leftPadded(to: 6) + ".json"
    }

    /// Writes a finished (or failed) cell at once, atomically, with the
    /// fingerprints of this store's manifest and of the cell's parameters.
    public func write(_ cell: CellResult, axes: [SweepAxis]) throws(SweepFileError) {
        try Self.write(cell.json(axes: axes, grid: Fingerprint.of(manifest)).rendered(pretty: true) + "\n", to: path(of: cell.index))
    }

    /// The cells already in the store. A file that does not parse (never
    /// written by `write`, which is atomic) is ignored, so its cell runs again.
    public func finished() -> [CellResult] {
        (try? Self.readCells(directory, strict: false)) ?? []
    }

    /// The finished cells a resumed sweep may keep: those that belong to this
    /// store's sweep (`VerifiedManifest.mismatch`); every other cell file is
    /// listed in `rejected` (path: why), and its cell runs again.
    public func resumable(_ sweep: VerifiedManifest) -> (cells: [CellResult], rejected: [String]) {
        var cells: [CellResult] = [], rejected: [String] = []
        for (path, cell) in Self.cellFiles(directory) {
            guard let cell else { rejected.append("\(path): not a cell record"); continue }
            guard path == self.path(of: cell.index) else { rejected.append("\(path): holds cell \(cell.index)"); continue }
            if let why = sweep.mismatch(cell) { rejected.append("\(path): \(why)"); continue }
            cells.append(cell)
        }
        return (cells, rejected)
    }

    /// Reads a store written by `open`/`write`: its manifest and its cells
    /// (sorted by index). Throws on a missing manifest or a malformed cell file.
    public static func load(_ directory: String) throws(SweepFileError) -> (manifest: JSONValue, cells: [CellResult]) {
        let path = directory + "/" + manifestName
        guard FileManager.default.fileExists(atPath: path) else {
            throw SweepFileError(directory, "not a sweep directory (no \(manifestName); written by headflow sweep --out)")
        }
        return (try readJSON(path), try readCells(directory, strict: true))
    }

    // MARK: - Files

    /// Parses the JSON file at `path`.
    public static func readJSON(_ path: String) throws(SweepFileError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw SweepFileError(path, "cannot be read") }
        do { return try JSONValue.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw SweepFileError(path, error.description)
        }
    }

    /// Every `cells/cell-*.json` file, sorted, with its record (nil when it does not parse).
    static func cellFiles(_ directory: String) -> [(path: String, cell: CellResult?)] {
        let dir = directory + "/" + cellsName
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("cell-") && $0.hasSuffix(".json") }.sorted()
        return names.map { name in
            let path = dir + "/" + name
            return (path, (try? readJSON(path)).flatMap { CellResult(json: $0) })
        }
    }

    /// The cells of a store. `strict`: a file that does not parse, or whose
    /// name is not its cell's index (two files claiming one index), is an error;
    /// otherwise it is skipped.
    static func readCells(_ directory: String, strict: Bool) throws(SweepFileError) -> [CellResult] {
        let dir = directory + "/" + cellsName
        var cells: [CellResult] = []
        for (path, cell) in cellFiles(directory) {
            guard let cell else {
                if strict { _ = try readJSON(path); throw SweepFileError(path, "not a cell record (a field is missing or malformed)") }
                continue
            }
            guard path == dir + "/cell-" + String(cell.index).leftPadded(to: 6) + ".json" else {
                if strict { throw SweepFileError(path, "holds cell \(cell.index), not the cell its name says") }
                continue
            }
            cells.append(cell)
        }
        return cells.sorted { $0.index < $1.index }
    }

    /// Writes `text` to `path` atomically: into a temporary beside it
    /// (`temporaryName`), then renamed over it, so a reader sees the old file or the whole new one.
    static func write(_ text: String, to path: String) throws(SweepFileError) {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(temporaryName(for: url.lastPathComponent)).path
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: temp), options: .withoutOverwriting) } catch {
            unlink(temp)
            throw SweepFileError(path, "cannot be written (\(error.localizedDescription))")
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw SweepFileError(path, "cannot be written (\(why))")
        }
    }

    // MARK: - Temporaries

    /// A temporary for the file `name`: `.NAME.partial~HOST~PID~RANDOM`, hidden,
    /// naming the host and process writing it, so that `isStaleTemporary` can
    /// tell a writer's leftover (killed mid-write) from a write in flight.
    static func temporaryName(for name: String) -> String {
        ".\(name).partial~\(hostName)~\(getpid())~\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// This machine's host name (`gethostname`; `localhost` when it has none).
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty || name.contains("~") || name.contains("/") ? "localhost" : name
    }()

    /// A temporary older than this is stale whoever wrote it (one write takes milliseconds).
    static let staleAge: TimeInterval = 3600

    /// Whether `name` is a temporary of `write` for a store's file
    /// (`.cell-N.json.partial~HOST~PID~RANDOM` or `.sweep.json.partial~…`)
    /// whose writer is gone: its process, on this host, no longer exists, or it
    /// is older than `staleAge`.
    static func isStaleTemporary(_ name: String, in dir: String, now: Date = Date()) -> Bool {
        let parts = name.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 4, let pid = Int32(parts[2]), pid > 0, UInt32(parts[3], radix: 16) != nil else { return false }
        let file = parts[0]
        if file != "." + manifestName + ".partial" {
            guard file.hasPrefix(".cell-"), file.hasSuffix(".json.partial") else { return false }
            let index = file.dropFirst(".cell-".count).dropLast(".json.partial".count)
            guard !index.isEmpty, index.allSatisfy(\.isASCII), index.allSatisfy(\.isNumber) else { return false }
        }
        if parts[1] == hostName, kill(pid, 0) != 0, errno == ESRCH { return true }
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + name))?[.modificationDate] as? Date else { return false }
        return now.timeIntervalSince(modified) > staleAge
    }

    /// Removes the stale temporaries (`isStaleTemporary`) in `dir`, the
    /// leftovers of a sweep killed mid-write; nothing else is touched.
    static func removeStaleTemporaries(in dir: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in names where name.hasPrefix(".") && isStaleTemporary(name, in: dir) { unlink(dir + "/" + name) }
    }
}

// MARK: - Loading a sweep (a store or a JSON file)

extension SweepResult {
    /// Reads a sweep JSON written by `SweepReport.json` (`headflow sweep --format json`).
    public init(sweepJSON j: JSONValue, source: String) throws(SweepFileError) {
        guard let manifest = j["sweep"], let cellsJSON = j["cells"]?.arrayValue else {
            throw SweepFileError(source, "not a headflow sweep JSON (no sweep/cells keys; written by headflow sweep --format json)")
        }
        var cells: [CellResult] = []
        for c in cellsJSON {
            guard let cell = CellResult(json: c) else { throw SweepFileError(source, "malformed cell \(c["index"]?.rendered() ?? "?")") }
            cells.append(cell)
        }
        let plain = try SweepResult(manifest: manifest, cells: cells, source: source)
        var shard: Shard? = nil
        if let s = j["shard"]?.stringValue { shard = try? Shard(parsing: s) }
        self.init(manifest: manifest, axes: plain.axes, cells: plain.cells, shard: shard)
    }

    /// Reads a sweep from a `--out` directory or a sweep JSON file, its
    /// manifest and every cell verified (`verified(source:)`).
    public static func load(_ path: String, isDirectory: Bool) throws(SweepFileError) -> SweepResult {
        if isDirectory {
            let (manifest, cells) = try SweepStore.load(path)
            return try SweepResult(manifest: manifest, cells: cells, source: path).verified(source: path)
        }
        return try SweepResult(sweepJSON: try SweepStore.readJSON(path), source: path).verified(source: path)
    }
}
