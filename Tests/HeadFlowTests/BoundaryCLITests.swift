import Foundation
import Testing
@testable import HeadFlowNumerics

@Suite("headflow boundary: the command-line contract")
struct BoundaryCLITests {
    static let canonical = ["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1", "--quiet"]
    static let line = ["boundary", "--along", "eta-e-ratio", "--between", "1e-4,1"] + canonical

    // Each invalid input: exit 64, nothing on stdout, one stderr line naming the option.
    @Test("bad input exits 64 with one line naming the option", arguments: [
        (["--along", "foo", "--between", "1,2"], "--along"), (["--along", "seed", "--between", "1,4"], "--along"),
        (["--along", "head", "--between", "1,4"], "--along"), (["--along", "eta-e-ratio", "--between", "1,1"], "--between"),
        (["--along", "eta-e-ratio", "--between", "1,0.1"], "--between"), (["--along", "eta-e-ratio", "--between", "0,1"], "--between"),
        (["--along", "noise", "--between", "-1,2"], "--between"), (["--along", "eta-e-ratio", "--between", "abc"], "--between"),
        (["--along", "d", "--between", "10.5,40"], "--between"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--level", "3"], "--level"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--metric", "outcome", "--level", "3"], "--level"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--metric", "t_learn"], "--metric"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--metric", "nope", "--level", "1"], "--metric"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--scan", "1"], "--scan"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--rel-precision", "0"], "--rel-precision"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--vary", "eta-e=0.1,0.2"], "--vary"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--format", "xml"], "--format"),
        (["--along", "eta-e-ratio", "--between", "1e-3,1", "--shard", "2/2"], "--shard"),
        (["--along", "d", "--between", "10,40", "--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"], "--along"),
        (["--along", "init-a[1,2]", "--between", "-0.1,0.1"], "init-a"),
    ])
    func badInput(_ args: [String], option: String) throws {
        let r = try runHeadflow(["boundary"] + args + ["--quiet"])
        #expect(r.code == 64)
        #expect(r.out.isEmpty)
        #expect(r.err.split(separator: "\n").count == 1, "stderr: \(r.err)")
        #expect(r.err.contains(option), "stderr: \(r.err)")
    }

    @Test("the done-when command prints one object per α₂/α₁ with collapse → diverse brackets no wider than 0.5%")
    func doneWhen() throws {
        let r = try runHeadflow(Self.line + ["--vary", "alpha-ratio=0.3,0.5,0.7,0.9", "--format", "json"])
        #expect(r.code == 0, "\(r.err)")
        let lines = try #require(try JSONValue.parse(r.out).arrayValue)
        #expect(lines.count == 4)
        var previous = Double.infinity
        for l in lines {
            #expect(l["parameters"]?["d"]?.intValue == 100 && l["along"]?["name"]?.stringValue == "eta-e-ratio")
            let switches = try #require(l["switches"]?.arrayValue)
            let cd = try #require(switches.first { $0["above"]?.stringValue == "D" })
            let low = try #require(cd["low"]?.doubleValue), high = try #require(cd["high"]?.doubleValue)
            #expect(low < high && high - low <= 0.005 * high)
            #expect(high < previous)  // η_E* falls as α₂/α₁ grows
            previous = high
        }
        // α₂/α₁ = 0.3: collapse → undecided → diverse, then diverse → undecided near η_E/η = 1: all reported.
        #expect(lines[0]["switches"]?.arrayValue?.count == 3)
    }

    @Test("jobs, shards + merge and a resumed --out give the same bytes; fit reads the result")
    func sameBytes() throws {
        let dir = try freshDirectory("boundary")
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = Self.line + ["--vary", "alpha-ratio=0.5,0.7,0.9", "--rel-precision", "0.02", "--format", "json"]
        let one = try runHeadflow(grid + ["--jobs", "1"]), two = try runHeadflow(grid + ["--jobs", "2"])
        #expect(one.code == 0 && one.out == two.out)
        let out = dir.appendingPathComponent("b").path
        for i in 0..<2 { #expect(try runHeadflow(grid + ["--shard", "\(i)/2", "--out", out]).code == 0) }
        let merged = try runHeadflow(["merge", out, "--format", "json"])
        #expect(merged.code == 0 && merged.out == one.out)
        let resumed = try runHeadflow(grid + ["--out", out])
        #expect(resumed.out == one.out)
        let file = dir.appendingPathComponent("b.json")
        try one.out.write(to: file, atomically: true, encoding: .utf8)
        let fit = try runHeadflow(["fit", file.path])
        #expect(fit.code == 0 && fit.out.contains("slope c1") && fit.out.contains("local exponents"), "\(fit.err)")
        for fmt in ["table", "csv", "markdown"] {
            let r = try runHeadflow(grid.dropLast(2) + ["--format", fmt])
            #expect(r.code == 0 && r.out.contains("0.7"), "\(fmt): \(r.err)")
        }
    }

    @Test("--head none has no boundary: every line says no switch")
    func noHead() throws {
        let r = try runHeadflow(Self.line + ["--head", "none", "--vary", "alpha-ratio=0.5,0.9", "--format", "json"])
        let lines = try #require(try JSONValue.parse(r.out).arrayValue)
        #expect(lines.count == 2 && lines.allSatisfy { $0["switches"]?.arrayValue?.isEmpty == true })
    }

    @Test("--metric M --level x brackets a level crossing with the metric's values on both sides")
    func levelCrossing() throws {
        let r = try runHeadflow(["boundary", "--along", "eta-e", "--between", "1e-3,1e-1", "--metric", "peak_e21", "--level", "0.05",
                                 "--format", "json"] + Self.canonical)
        let line = try #require(try JSONValue.parse(r.out).arrayValue?.first)
        let s = try #require(line["switches"]?.arrayValue?.first)
        let below = try #require(s["below"]?.doubleValue), above = try #require(s["above"]?.doubleValue)
        #expect((below < 0.05) != (above < 0.05))
    }
}
