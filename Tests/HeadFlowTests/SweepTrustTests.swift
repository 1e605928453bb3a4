import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// A sweep read back from files trusts nothing it finds: cells carry the
/// fingerprints of their sweep and parameters, headers are validated, and a
/// resumed sweep recomputes a cell that does not belong.
@Suite("Sweep stores: fingerprints and header checks")
struct SweepTrustTests {
    static let grid = ["--vary", "eta-e=0.01,0.1", "--vary", "seed=1,2", "--points", "3", "--quiet"]

    /// Two stores of the same 2×2 grid, at t_end 10 (A) and 20 (B).
    static func stores(_ name: String) throws -> (root: URL, a: String, b: String) {
        let root = try freshDirectory(name)
        let a = root.appendingPathComponent("A").path, b = root.appendingPathComponent("B").path
        for (dir, t) in [(a, "10"), (b, "20")] {
            let r = try runCLI(["sweep"] + grid + ["--t-end", t, "--out", dir])
            #expect(r.code == 0, "\(r.err)")
        }
        return (root, a, b)
    }

    /// Rewrites the JSON file at `path` through `change`.
    static func edit(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
        var j = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        change(&j)
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: path))
    }

    /// The error loading `dir` as a sweep (nil when it loads).
    static func loadError(_ dir: String) -> String? {
        do { _ = try SweepResult.load(dir, isDirectory: true); return nil } catch { return error.description }
    }

    @Test("FNV-1a 64 matches its reference vectors")
    func fnv() {
        #expect(Fingerprint.of("") == "cbf29ce484222325")
        #expect(Fingerprint.of("a") == "af63dc4c8601ec8c")
        #expect(Fingerprint.of("foobar") == "85944171f73967e8")
    }

    @Test("a cell copied from another sweep: merge refuses it, a resumed sweep recomputes it with a warning")
    func copiedCell() throws {
        let (root, a, b) = try Self.stores("trust-copy")
        defer { try? FileManager.default.removeItem(at: root) }
        let clean = try runCLI(["merge", a, "--format", "csv"])
        #expect(clean.code == 0 && Self.loadError(a) == nil)
        let cell = "/cells/cell-000001.json"
        try FileManager.default.removeItem(atPath: a + cell)
        try FileManager.default.copyItem(atPath: b + cell, toPath: a + cell)
        let merged = try runCLI(["merge", a])
        #expect(merged.code == 64 && merged.out.isEmpty && merged.err.contains("another sweep"), "\(merged.err)")
        let resumed = try runCLI(["sweep"] + Self.grid + ["--t-end", "10", "--out", a, "--format", "csv"])
        #expect(resumed.code == 0 && resumed.err.contains("cell-000001.json") && resumed.err.contains("computing it again"), "\(resumed.err)")
        #expect(resumed.out == clean.out)
        #expect(Self.loadError(a) == nil)
    }

    @Test("headers and cells are validated", arguments: [
        ("sweep.json", "cells", "-5"), ("sweep.json", "cells", "1000000000000"), ("sweep.json", "engine", "bogus"),
        ("sweep.json", "base", "d=-3"), ("cells/cell-000001.json", "values", "seed=1"),
        ("cells/cell-000001.json", "final_loss", "x"), ("cells/cell-000001.json", "parameters", "t-end=5"),
    ])
    func tampered(_ file: String, _ key: String, _ change: String) throws {
        let (root, a, _) = try Self.stores("trust-\(key)")
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.edit(a + "/" + file) { j in
            switch (key, change) {
            case ("cells", let n): j["cells"] = Int(n)!
            case ("engine", _): j["engine"] = ["name": "bogus"]
            case ("base", _): var b = j["base"] as! [String: Any]; b["d"] = -3; j["base"] = b
            case ("values", _): var v = j["values"] as! [String: Any]; v["seed"] = 1; j["values"] = v
            case ("final_loss", _): j["final_loss"] = "x"
            default: var p = j["parameters"] as! [String: Any]; p["t-end"] = 5.0; j["parameters"] = p
            }
        }
        let error = try #require(Self.loadError(a), "accepted \(file) with \(key) \(change)")
        #expect(!error.isEmpty)
        let r = try runCLI(["merge", a])
        #expect(r.code == 64 && r.out.isEmpty && r.errLines.count == 1, "\(r.err)")
    }

    @Test("two files claiming one index are refused")
    func duplicateIndex() throws {
        let (root, a, _) = try Self.stores("trust-dup")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(atPath: a + "/cells/cell-000003.json")
        try FileManager.default.copyItem(atPath: a + "/cells/cell-000001.json", toPath: a + "/cells/cell-000003.json")
        #expect(Self.loadError(a)?.contains("holds cell 1") == true)
    }

    @Test("a sweep JSON listing one index twice is refused")
    func duplicateInJSON() throws {
        let dir = try freshDirectory("trust-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runCLI(["sweep"] + Self.grid + ["--t-end", "10", "--format", "json"])
        let path = dir.appendingPathComponent("s.json").path
        try Data(r.out.utf8).write(to: URL(fileURLWithPath: path))
        #expect((try? SweepResult.load(path, isDirectory: false)) != nil)
        try Self.edit(path) { j in var cells = j["cells"] as! [Any]; cells.append(cells[0]); j["cells"] = cells }
        #expect(throws: SweepFileError.self) { _ = try SweepResult.load(path, isDirectory: false) }
    }

    @Test("plot trajectory's input is validated like a sweep's")
    func trajectoryInput() throws {
        let r = try runCLI(["run", "--t-end", "100", "--points", "10", "--format", "json"])
        let run = try JSONValue.parse(r.out)
        _ = try RunJSON.validated(run, source: "r.json")
        func broken(_ change: (inout [(String, JSONValue)]) -> Void) -> JSONValue {
            guard case .object(var kv) = run else { return run }
            change(&kv)
            return .object(kv)
        }
        func events(_ v: JSONValue) -> (inout [(String, JSONValue)]) -> Void {
            { kv in if let i = kv.firstIndex(where: { $0.0 == "events" }) { kv[i].1 = .object([("learn_w1_v1", v)]) } }
        }
        let ragged: (inout [(String, JSONValue)]) -> Void = { kv in
            guard let i = kv.firstIndex(where: { $0.0 == "trajectory" }), case .array(var samples) = kv[i].1,
                  case .object(var s) = samples[3], let c = s.firstIndex(where: { $0.0 == "cos" }) else { return }
            s[c].1 = .array([.numbers([0.1, 0.2]), .numbers([0.3])])
            samples[3] = .object(s)
            kv[i].1 = .array(samples)
        }
        for bad in [broken(events(.string("soon"))), broken(events(.number(-5))), broken(ragged),
                    broken { kv in kv.removeAll { $0.0 == "parameters" } }] {
            #expect(throws: SweepFileError.self) { _ = try RunJSON.validated(bad, source: "bad.json") }
        }
    }
}
