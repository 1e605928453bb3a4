import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// Issue 22 ("Reliability"): a sweep reads back every training setting it
/// wrote; `fit` checks `--metric` and fails when no fit can be made; `plot
/// rank` checks its input and `--labels`; every output path has one contract
/// (exit 64); tables and JSON say the same of a non-finite measured number; a
/// resumed sweep removes the temporaries a killed one left.
@Suite("Reliability: exit codes, read-back and output paths (issue 22)", .serialized)
struct ReliabilityExitTests {
    /// SGD sweeps with every training setting away from its default (`TrainSpec()`): the projected
    /// sampler draws fresh data every step, so `--data fixed` (with the full sampler) is a second sweep.
    static let sgdSweeps = [
        ["--sampler", "projected"], ["--data", "fixed", "--samples", "48", "--d", "12"],
    ].map { setting in
        ["sweep", "--engine", "sgd", "--vary", "eta-e=0.01,0.03,0.1", "--vary", "noise=0.5,1", "--points", "5",
         "--jobs", "1", "--quiet", "--rng", "gsl", "--batch", "16", "--lr", "0.5", "--steps", "30", "--bn-epsilon", "1e-05",
         "--data-seed", "7"] + setting
    }

    /// Expects exit 64, nothing on stdout and one `headflow:` line containing every one of `words`.
    static func expectUsage(_ r: CLIRun, _ words: [String], _ what: String) {
        #expect(r.signal == nil && r.code == 64, "\(what): exit \(r.code): \(r.err)")
        #expect(r.out.isEmpty, "\(what): stdout \(r.out.prefix(200))")
        #expect(r.errLines.count == 1 && r.err.hasPrefix("headflow: "), "\(what): \(r.err)")
        for w in words { #expect(r.err.contains(w), "\(what): no \(w) in \(r.err)") }
    }

    // MARK: - 1. The engine settings read back

    @Test("every training setting of an SGD sweep reads back as written (rng, sampler, data, samples, batch, lr, steps, bn-epsilon, data-seed)")
    func engineSettingsRoundTrip() throws {
        var t = RunSpec()
        t.rng = .gsl; t.sampler = .projected; t.data = .fixed; t.samples = 48; t.batch = 16; t.lr = 0.5; t.steps = 30
        t.bnEpsilon = 1e-5; t.dataSeed = 7
        let back = try RunSpec().withTraining(engineJSON: SGDEngine(base: t).settingsJSON)
        #expect(back == t)
        #expect(back.rng == .gsl)
        var bad = SGDEngine(base: t).settingsJSON
        if case .object(let kv) = bad { bad = .object(kv.map { $0.0 == "rng" ? ($0.0, .string("mt")) : $0 }) }
        do { _ = try RunSpec().withTraining(engineJSON: bad); Issue.record("accepted rng mt") } catch { #expect(error.parameter == "rng") }
    }

    @Test("an SGD sweep with non-default training settings: merge, fit, plot phase accept its files, and --out resumes",
          arguments: sgdSweeps)
    func sgdSweepReadBack(_ sgdSweep: [String]) throws {
        let dir = try freshDirectory("sgd-readback")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try runCLI(sgdSweep + ["--out", "store", "--format", "json"], in: dir, timeout: 300)
        #expect(first.code == 0 && first.err.isEmpty, "\(first.err)")
        try Data(first.out.utf8).write(to: dir.appendingPathComponent("s.json"))
        let sweep = try JSONValue.parse(first.out)
        let engine = try #require(sweep["sweep"]?["engine"])
        #expect(engine["rng"]?.stringValue == "gsl" && engine["batch"]?.intValue == 16 && engine["data-seed"]?.stringValue == "7")
        #expect(engine["sampler"]?.stringValue == (sgdSweep.contains("projected") ? "projected" : "full"))
        #expect(engine["samples"]?.intValue == (sgdSweep.contains("fixed") ? 48 : nil))
        #expect(sweep["cells"]?.arrayValue?.count == 6)

        let resumed = try runCLI(sgdSweep + ["--out", "store", "--format", "json"], in: dir, timeout: 300)
        #expect(resumed.code == 0 && resumed.err.isEmpty, "\(resumed.err)")
        #expect(resumed.out == first.out)

        for input in ["store", "s.json"] {
            let merged = try runCLI(["merge", input, "--format", "json"], in: dir)
            #expect(merged.code == 0 && merged.out == first.out, "merge \(input): \(merged.err)")
            let fit = try runCLI(["fit", input, "--x", "eta-e", "--y", "peak_e21", "--format", "json"], in: dir)
            #expect(fit.code == 0 && fit.err.isEmpty, "fit \(input): \(fit.err)")
            #expect(try JSONValue.parse(fit.out)["points"]?.intValue == 6)
            let plot = try runCLI(["plot", "phase", input, "-o", "p-\(input).svg"], in: dir)
            #expect(plot.code == 0 && plot.err.isEmpty, "plot phase \(input): \(plot.err)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("p-\(input).svg").path))
        }
        let joined = try runCLI(["merge", "store", "--out", "joined", "--format", "json"], in: dir)
        #expect(joined.code == 0 && joined.out == first.out, "\(joined.err)")
        let fromJoined = try runCLI(sgdSweep + ["--out", "joined", "--format", "json"], in: dir, timeout: 300)
        #expect(fromJoined.code == 0 && fromJoined.out == first.out, "\(fromJoined.err)")
    }

    // MARK: - 2. fit

    @Test("fit checks --metric against the sweep even with --y, naming the option typed and the valid names")
    func fitMetricChecked() throws {
        let dir = try freshDirectory("fit-metric")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try runCLI(["sweep", "--vary", "eta-e=0.01,0.03,0.1", "--t-end", "100", "--points", "5", "--quiet", "--out", "s"], in: dir)
        try #require(s.code == 0, "\(s.err)")
        let metric = try runCLI(["fit", "s", "--y", "peak_e21", "--metric", "table;rm"], in: dir)
        Self.expectUsage(metric, ["--metric must be one of outcome,", "peak_e21", "\"table;rm\""], "fit --metric")
        let outcome = try runCLI(["fit", "s", "--y", "peak_e21", "--outcome=nope"], in: dir)
        Self.expectUsage(outcome, ["--outcome must be one of", "\"nope\""], "fit --outcome")
        let good = try runCLI(["fit", "s", "--y", "peak_e21", "--metric", "final_loss"], in: dir)
        #expect(good.code == 0 && good.out.contains("slope c1"), "\(good.err)")
    }

    @Test("a fit that cannot be made exits 1 with the reason on stderr and nothing on stdout", arguments: ["table", "json"])
    func fitWithoutPoints(_ format: String) throws {
        let r = try runCLI(["fit", "--vary", "eta-e=0.01,0.03,0.1", "--t-end", "100", "--points", "5", "--quiet", "--shard", "0/1000",
                            "--x", "eta-e", "--y", "peak_e21", "--format", format], timeout: 120)
        #expect(r.signal == nil && r.code == 1, "exit \(r.code): \(r.err)")
        #expect(r.out.isEmpty, "\(r.out)")
        #expect(r.errLines.count == 1, "\(r.err)")
        #expect(r.err.hasPrefix("headflow: no fit of log peak_e21 on log eta-e: 1 usable point (need ≥ 3 with distinct x)"), "\(r.err)")
    }

    // MARK: - 3. plot rank

    @Test("plot rank refuses a negative or non-numeric erank (naming file and field) and --labels of the wrong count")
    func plotRankInput() throws {
        let dir = try freshDirectory("rank")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runCLI(["run", "--t-end", "200", "--points", "8", "--format", "json"], in: dir)
        try #require(run.code == 0)
        try Data(run.out.utf8).write(to: dir.appendingPathComponent("r.json"))
        let ok = try runCLI(["plot", "rank", "r.json", "r.json", "--labels", "one,two", "-o", "ok.svg"], in: dir)
        #expect(ok.code == 0, "\(ok.err)")
        let svg = try String(contentsOf: dir.appendingPathComponent("ok.svg"), encoding: .utf8)
        #expect(svg.contains("one") && svg.contains("two"))

        for (bad, shown) in [(JSONValue.number(-0.5), "-0.5"), (.string("x"), "\"x\""), (.bool(true), "true")] {
            guard case .object(var top) = try JSONValue.parse(run.out), let i = top.firstIndex(where: { $0.0 == "trajectory" }),
                  case .array(var samples) = top[i].1, case .object(var sample) = samples[3],
                  let k = sample.firstIndex(where: { $0.0 == "erank_f" }) else { Issue.record("no trajectory[3].erank_f"); return }
            sample[k].1 = bad
            samples[3] = .object(sample)
            top[i].1 = .array(samples)
            try Data(JSONValue.object(top).rendered().utf8).write(to: dir.appendingPathComponent("bad.json"))
            let r = try runCLI(["plot", "rank", "r.json", "bad.json", "-o", "bad.svg"], in: dir)
            Self.expectUsage(r, ["bad.json", "trajectory sample 3", "\"erank_f\" must be a number ≥ 0 or null", "(got \(shown))"], "erank \(shown)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.svg").path))
        }
        for labels in ["one", "one,two,three", "one,", ""] {
            let r = try runCLI(["plot", "rank", "r.json", "r.json", "--labels", labels, "-o", "l.svg"], in: dir)
            Self.expectUsage(r, ["--labels must be 2 comma-separated non-empty labels, one per RUN.json"], "--labels '\(labels)'")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("l.svg").path))
        }
    }

    // MARK: - 4. Output paths

    @Test("a regular file taken for a directory, a missing directory, /proc and /sys: exit 64 and one line for every command that writes")
    func outputPaths() throws {
        let dir = try freshDirectory("outputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("keep\n".utf8).write(to: dir.appendingPathComponent("plain"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d.svg"), withIntermediateDirectories: false)
        let run = try runCLI(["run", "--t-end", "50", "--points", "5", "--format", "json"], in: dir)
        try Data(run.out.utf8).write(to: dir.appendingPathComponent("r.json"))
        let s = try runCLI(["sweep", "--vary", "seed=1,2", "--t-end", "20", "--points", "3", "--quiet", "--out", "s"], in: dir)
        try #require(run.code == 0 && s.code == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()

        let sweep = ["sweep", "--vary", "seed=1,2", "--t-end", "20", "--points", "3", "--quiet", "--out"]
        let fit = ["fit", "--vary", "d=10,20,40", "--t-end", "20", "--points", "3", "--quiet", "--out"]
        for place in ["plain", "plain/sub", "/proc", "/proc/headflow-test", "/sys", "/sys/headflow-test"] {
            let commands: [([String], String)] = [
                (sweep + [place], "--out"), (["merge", "s", "--out", place], "--out"), (fit + [place], "--out"),
                (["claims", "--write", place], "--write"),
                (["plot", "trajectory", "r.json", "-o", place + "/f.svg"], "--output"),
                (["plot", "phase", "s", "-o", place + "/p.png"], "--output"),
                (["plot", "rank", "r.json", "-o", place + "/k.svg"], "--output"),
            ]
            for (args, option) in commands {
                let r = try runCLI(args, in: dir)
                Self.expectUsage(r, [option, place], args.prefix(2).joined(separator: " ") + " " + place)
            }
        }
        for args in [["plot", "trajectory", "r.json", "-o", "nowhere/f.svg"], ["plot", "trajectory", "r.json", "-o", "d.svg"]] {
            Self.expectUsage(try runCLI(args, in: dir), ["--output must be a file path", "\"\(args[4])\""], args[4])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before, "nothing created")
        #expect(try String(contentsOf: dir.appendingPathComponent("plain"), encoding: .utf8) == "keep\n")

        // Writable places still work, and the probe leaves nothing behind.
        let claims = try runCLI(["claims", "--write", "T/new"], in: dir)
        #expect(claims.code == 0, "\(claims.err)")
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("T/new").path)
        #expect(pages.contains("README.md") && pages.allSatisfy { !$0.hasPrefix(".") })
        let plot = try runCLI(["plot", "trajectory", "r.json", "-o", "T/f.svg"], in: dir)
        #expect(plot.code == 0, "\(plot.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasPrefix(".headflow-probe") })
    }

    @Test("the directory of a path, and relative or short paths checked without a trap")
    func parents() throws {
        #expect(OutputPath.parent(of: "T") == "." && OutputPath.parent(of: "T/new") == "T" && OutputPath.parent(of: "a/b/") == "a")
        #expect(OutputPath.parent(of: "/x") == "/" && OutputPath.parent(of: "/a/b") == "/a" && OutputPath.parent(of: "/") == "/")
        let dir = try freshDirectory("parents").path  // relative paths: the CLI tests (claims --write T/new, plot -o ok.svg)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for p in ["T", "T/new", "x/y/z", "."] { try OutputPath.validateDirectory(dir + "/" + p, option: "write") }
        for p in ["f.svg", "./f.png"] { try OutputPath.validateFile(dir + "/" + p, option: "output") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "the checks create nothing")
        #expect(throws: ParameterError.self) { try OutputPath.validateFile(dir + "/T/f.svg", option: "output") }
    }

    // MARK: - 5. Non-finite measured values

    @Test("a non-finite measured value is — in every table and null in the JSON")
    func nonFiniteMeasured() throws {
        let claim = try #require(ClaimRegistry.claim("diag-head-is-none"))
        let values = [MeasuredValue("state_diff_max", .infinity), MeasuredValue("event_diff_max", .nan),
                      MeasuredValue("head_dev_max", -.infinity), MeasuredValue("events_compared", 2)]
        let report = ClaimReport(verdicts: [ClaimVerdict(claim: claim, preset: claim.preset, control: nil,
                                                         measurement: ClaimMeasurement(values: values))])
        let measured = try #require(report.json.arrayValue?.first?["measured"])
        for text in [report.table(), report.wideTable(), report.markdown()] {
            #expect(!text.contains("inf") && !text.contains("nan"), "\(text)")
        }
        for v in values {
            let isNull = measured[v.name] == .null
            #expect(isNull == !v.value.isFinite)
            let cell = "\(v.name)=" + (isNull ? "—" : "2")
            #expect(report.wideTable().contains(cell) && report.markdown().contains(cell), "\(cell)")
        }
        #expect(report.table().contains("state_diff_max=—"))
    }

    @Test("reproduce: the table shows — exactly where the JSON has null (the head offdiag control measures event_diff_max = ∞)")
    func reproduceAgrees() throws {
        let table = try runCLI(["reproduce", "diag-head-is-none", "--controls", "--wide", "--quiet"], timeout: 300)
        let json = try runCLI(["reproduce", "diag-head-is-none", "--controls", "--format", "json", "--quiet"], timeout: 300)
        #expect(table.code == 0 && json.code == 0, "\(table.err)\(json.err)")
        let verdicts = try #require(JSONValue.parse(json.out).arrayValue)
        var nulls = 0
        for v in verdicts {
            let id = (v["id"]?.stringValue ?? "") + (v["control"]?.stringValue.map { " [\($0)]" } ?? "")
            let row = try #require(table.out.split(separator: "\n").first { $0.hasPrefix(id + "  ") }, "no row \(id)")
            for (name, value) in v["measured"]?.objectValue ?? [] {
                if value == .null { nulls += 1 }
                let shown = value == .null ? "—" : ClaimReport.number(value.doubleValue ?? .nan)
                #expect(row.contains("\(name)=\(shown)"), "\(id): \(name) is \(value.rendered()) in JSON; row: \(row)")
            }
        }
        #expect(nulls >= 1, "the control measures a non-finite event_diff_max")
        #expect(!table.out.contains("=inf") && !table.out.contains("=nan"))
    }

    // MARK: - 6. Temporaries a killed sweep left

    @Test("a resumed sweep removes stale temporaries of its own naming, and nothing else")
    func staleTemporaries() throws {
        let dir = try freshDirectory("stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = ["sweep", "--vary", "seed=1,2", "--t-end", "20", "--points", "3", "--quiet", "--out", "s"]
        let first = try runCLI(sweep, in: dir)
        try #require(first.code == 0, "\(first.err)")
        let cells = dir.appendingPathComponent("s/cells")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cells.path).sorted() == ["cell-000000.json", "cell-000001.json"],
                "a write leaves no temporary")
        let host = SweepStore.hostName
        let stale = [".cell-000001.json.partial~\(host)~2147483646~beef",  // this host, no such process
                     ".cell-000000.json.partial~elsewhere~4242~1f"]          // another host, two hours old
        let kept = [".cell-000001.json.partial~\(host)~\(getpid())~c0de",   // a live process on this host: in flight
                    ".cell-000000.json.partial~elsewhere~4242~2f",          // another host, fresh: in flight
                    "notes.txt", ".cell-000001.json.bak", ".dat.nosync0a1b2c", ".cell-x.json.partial~\(host)~2147483646~beef"]
        for name in stale + kept { try Data("{".utf8).write(to: cells.appendingPathComponent(name)) }
        let store = dir.appendingPathComponent("s")
        let manifestTemp = ".sweep.json.partial~\(host)~2147483646~9", other = ".sweep.json.orig"
        for name in [manifestTemp, other] { try Data("{".utf8).write(to: store.appendingPathComponent(name)) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)],
                                              ofItemAtPath: cells.appendingPathComponent(stale[1]).path)
        let resumed = try runCLI(sweep, in: dir)
        #expect(resumed.code == 0 && resumed.out == first.out, "\(resumed.err)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: cells.path))
        #expect(left == Set(kept + ["cell-000000.json", "cell-000001.json"]), "\(left.sorted())")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: store.path)) == [other, "cells", "sweep.json"])
    }
}
