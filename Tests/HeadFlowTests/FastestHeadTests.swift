import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowClaims
@testable import HeadFlowSweeps
@testable import HeadFlowReport

/// The fastest head: the search (scan, bracket, Brent), its edges (monotone, never, +∞ beside the minimum)
/// and the command-line contract of `headflow fastest-head`.
@Suite("Fastest head: the η_E/η that learns v_2 soonest")
struct FastestHeadTests {
    static let canonical = RunSpec.canonical

    // The canonical case has an interior optimum: Brent's time is at most every scanned time and the
    // paper's default, its rate lies in its final bracket, and a fresh run at that rate gives the same time.
    @Test("canonical start: an interior optimum, faster than the paper's default and than no head")
    func canonicalInterior() throws {
        let r = try FastestHeadSearch().run(Self.canonical, threads: 2)
        #expect(r.verdict == .interior)
        let best = try #require(r.optimum), t = try #require(best.time), bracket = try #require(r.bracket)
        #expect(bracket.lower <= best.ratio && best.ratio <= bracket.upper && bracket.upper / bracket.lower < 1.01)
        for p in r.scan { if let s = p.time { #expect(t <= s) } }
        #expect(best.ratio > 0.1 && best.ratio < 0.5)
        let paper = try #require(r.paperDefault.time)
        #expect(abs(paper - 11831) < 1, "the README's learn_w2_v2 at η_E = 0.01")
        #expect(r.speedupOverPaperDefault.value.map { $0 > 1.5 } == true)
        #expect(r.noHeadTime == nil && r.speedupOverNoHead == .infinite)
        let again = ClaimFlowProbe.time(Self.canonical.with { $0.etaE = best.ratio }, "learn_w2_v2")
        #expect(again == t)
    }

    @Test("the result does not depend on the threads")
    func threadsIndependent() throws {
        let one = try FastestHeadSearch(scanPoints: 7).run(Self.canonical, threads: 1)
        let two = try FastestHeadSearch(scanPoints: 7).run(Self.canonical, threads: 2)
        #expect(one.optimum == two.optimum && one.scan == two.scan && one.runs == two.runs)
    }

    // A range ending before the optimum: the scan's best is its HI end (time falls toward HI); one starting after it: LO.
    @Test("no interior optimum in the range: monotone, and which end")
    func monotone() throws {
        let high = try FastestHeadSearch(lower: 1e-3, upper: 0.1).run(Self.canonical)
        #expect(high.verdict == .monotone(.upper) && high.optimum?.ratio == 0.1 && high.bracket == nil)
        #expect(high.verdict.text(high.search).hasPrefix("monotone: no interior optimum, time falls toward the HI end"))
        let low = try FastestHeadSearch(lower: 0.5, upper: 2).run(Self.canonical)
        #expect(low.verdict == .monotone(.lower) && low.optimum?.ratio == 0.5)
    }

    // Without a trained off-diagonal entry the weak feature is never learned: no optimum, speed-ups undefined.
    @Test("frozen or diagonal head: never, speed-ups undefined, no NaN")
    func never() throws {
        for head in [HeadKind.none, .diag] {
            let r = try FastestHeadSearch(scanPoints: 3).run(Self.canonical.with { $0.head = head })
            #expect(r.verdict == .never && r.optimum == nil)
            #expect(r.speedupOverNoHead == FastestHead.Speedup.undefined && r.speedupOverPaperDefault == FastestHead.Speedup.undefined)
        }
    }

    // A neighbour of the scan's minimum where the event never fires (+∞) is moved towards it by bisection, so
    // Brent gets a finite bracket: α₂/α₁ = 0.3, scan 1e-3, 1e-2, 1e-1, 1 (never, 16199, 9847, never).
    @Test("a +∞ neighbour of the scan's minimum is bisected into a finite bracket")
    func infiniteNeighbour() throws {
        let spec = Self.canonical.with { $0.alpha = [1.5, 0.45] }
        let coarse = try FastestHeadSearch(lower: 1e-3, upper: 1, scanPoints: 4).run(spec)
        #expect(coarse.scan.map { $0.time == nil } == [true, false, false, true])
        #expect(coarse.verdict == .interior)
        let fine = try FastestHeadSearch(lower: 1e-3, upper: 1, scanPoints: 13).run(spec)
        let a = try #require(coarse.optimum), b = try #require(fine.optimum)
        #expect(abs(a.ratio / b.ratio - 1) < 0.03 && abs(a.time! / b.time! - 1) < 1e-3)
    }

    // A failed integration is never a time: the verdict is failed, naming the rate and the failure; the report shows no NaN.
    @Test("a failed integration makes the verdict failed, never a time")
    func failedIntegration() throws {
        let spec = Self.canonical.with { $0.maxSteps = 20 }
        let r = try FastestHeadSearch(scanPoints: 3).run(spec)
        guard case .failed(let why) = r.verdict else { Issue.record("verdict \(r.verdict)"); return }
        #expect(why.contains("η_E/η = 0.0001: integration failed at t = ") && why.contains("more than 20 steps"))
        #expect(r.optimum == nil && r.speedupOverPaperDefault == FastestHead.Speedup.undefined)
        let table = try FastestHeadTable(base: spec, axes: [], search: FastestHeadSearch(scanPoints: 3), given: [], jobs: 1)
        let report = FastestHeadReport(table)
        for text in [report.terminal(), report.csv, report.markdown, report.json.rendered()] {
            #expect(!text.lowercased().contains("nan"))
        }
        #expect(report.csv.split(separator: "\n")[1].hasPrefix("failed,,,,,0,5,,,,,"))
        #expect(report.terminal().contains("failed: η_E/η = 0.0001: integration failed"))
    }

    @Test("bad settings name their option")
    func validation() {
        let s = Self.canonical
        #expect(throws: ParameterError.self) { try FastestHeadSearch(lower: 1, upper: 0.1).run(s) }
        #expect(throws: ParameterError.self) { try FastestHeadSearch(scanPoints: 2).run(s) }
        #expect(throws: ParameterError.self) { try FastestHeadSearch(relativePrecision: 0).run(s) }
        #expect(throws: ParameterError.self) { try FastestHeadSearch(event: "learn_w3_v2").run(s) }
        #expect(throws: ParameterError("eta", must: "a finite η > 0 here (the rate searched is η_E/η)", got: "0.0")) {
            try FastestHeadSearch().run(s.with { $0.eta = 0 })
        }
        let axis = try? SweepAxis(parsing: "eta-e-ratio=0.1,0.2")
        #expect(throws: ParameterError.self) {
            try FastestHeadTable(base: s, axes: [axis!], search: FastestHeadSearch(), given: [], jobs: 1)
        }
    }

    @Test("a table over α₂/α₁: one row per value, in order")
    func table() throws {
        let axis = try SweepAxis(parsing: "alpha-ratio=0.2,0.9")
        let t = try FastestHeadTable(base: Self.canonical, axes: [axis], search: FastestHeadSearch(), given: [], jobs: 2)
        #expect(t.rows.map(\.values) == [[.real(0.2)], [.real(0.9)]])
        #expect(t.rows[0].result.verdict == .never && t.rows[1].result.verdict == .interior)
        #expect(t.rows[1].spec.alpha == [1.5, 1.5 * 0.9] && t.rows[1].spec.etaE == FastestHeadSearch.paperRatio)
        let report = FastestHeadReport(t)
        for text in [report.terminal(), report.csv, report.markdown, report.json.rendered()] {
            #expect(!text.lowercased().contains("nan"))
        }
    }
}

/// One run's event time (nil: not by `t_end`), as `headflow run` locates it.
enum ClaimFlowProbe {
    static func time(_ spec: RunSpec, _ event: String) -> Double? {
        PopulationSolver(settings: spec.settings).solve(try! spec.problem(), saveat: spec.sampling, keep: .endpoints).time(of: event)
    }
}

@Suite("headflow fastest-head: the command-line contract")
struct FastestHeadCLITests {
    static let start = ["--init-a", "0.1,0.05;0.05,0.05", "--init-b", "1,0;0,1"]

    @Test("bad input: one line naming the option, exit 64")
    func badInput() throws {
        for (args, option) in [(["--between", "1,0.1"], "--between"), (["--between", "x"], "--between"), (["--scan", "2"], "--scan"),
                               (["--rel-precision", "nan"], "--rel-precision"), (["--event", "nope"], "--event"),
                               (["--eta-e", "0.1"], "--eta-e"), (["--head", "none"], "--head"), (["--vary", "eta-e=0.1,0.2"], "--vary"),
                               (["--lr", "0.1"], "--lr"), (["--format", "xml"], "--format")] {
            let r = try runHeadflow(["fastest-head", "--t-end", "10"] + args)
            #expect(r.code == 64, "\(args)")
            #expect(r.out.isEmpty && r.err.split(separator: "\n").count == 1 && r.err.contains(option), "\(args): \(r.err)")
        }
    }

    @Test("JSON: every parameter recorded, never as null, same bytes for any --jobs")
    func json() throws {
        let args = ["fastest-head", "--vary", "alpha-ratio=0.2,0.7", "--scan", "5", "--format", "json"] + Self.start
        let one = try runHeadflow(args + ["--jobs", "1"]), two = try runHeadflow(args + ["--jobs", "2"])
        #expect(one.code == 0 && one.out == two.out)
        let j = try #require(try JSONSerialization.jsonObject(with: Data(one.out.utf8)) as? [String: Any])
        #expect(Set(j.keys) == ["search", "axes", "base", "rows"])
        let rows = try #require(j["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0]["verdict"] as? String == "never" && rows[0]["optimum"] is NSNull)
        #expect(rows[1]["verdict"] as? String == "interior")
        let parameters = try #require(rows[1]["parameters"] as? [String: Any])
        #expect(RunParameter.runRecord.allSatisfy { parameters[$0.name] != nil } && parameters["start"] != nil)
        let noHead = try #require(rows[1]["no_head"] as? [String: Any])
        #expect(noHead["time"] is NSNull && noHead["speedup_kind"] as? String == "infinite")
    }
}
