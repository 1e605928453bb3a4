import Foundation
import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowDynamics
@testable import HeadFlowSweeps

/// A pure line: the class of `x` is the label of the first threshold above it (`"C"` below `t_0`, …); `fails` are
/// ranges where the evaluation fails.
private func line(_ thresholds: [(Double, String)], last: String, fails: [ClosedRange<Double>] = []) -> (Double) -> LineProbe<String> {
    { x in
        if fails.contains(where: { $0.contains(x) }) { return .failed("failed at \(x)") }
        let c = thresholds.first { x < $0.0 }?.1 ?? last
        return .result(c, key: c)
    }
}

/// Runs `search` over `[lo, hi]` with `n` scan points on `f`.
private func run(_ search: SwitchSearch, _ lo: Double, _ hi: Double, _ n: Int, _ f: (Double) -> LineProbe<String>) -> LineSearchResult<String> {
    search.search(scan: search.scanPoints(lo, hi, count: n).map { ($0, f($0)) }, probe: f)
}

@Suite("Boundary trust: the bisection core on pure lines, and the flow's boundary against tolerances")
struct BoundaryTrustTests {
    @Test("a line with two switches (collapse → diverse → undecided) yields two brackets, each around its switch")
    func twoSwitches() {
        let s = SwitchSearch(scale: .log, integral: false, relativePrecision: 0.005)
        let r = run(s, 1e-4, 1, 9, line([(0.0123, "C"), (0.31, "D")], last: "."))
        #expect(r.switches.count == 2 && r.unresolved.isEmpty)
        let (a, b) = (r.switches[0], r.switches[1])
        #expect(a.below == "C" && a.above == "D" && a.low < 0.0123 && 0.0123 <= a.high)
        #expect(b.below == "D" && b.above == "." && b.low < 0.31 && 0.31 <= b.high)
    }

    @Test("a third class inside one scan interval, wider than the precision, splits it into two brackets")
    func thirdClassInsideAnInterval() {
        let s = SwitchSearch(scale: .log, integral: false, relativePrecision: 0.005)
        let r = run(s, 1e-4, 1, 9, line([(0.0100, "C"), (0.0102, ".")], last: "D"))
        #expect(r.switches.map { "\($0.below)\($0.above)" } == ["C.", ".D"])
        #expect(r.switches[0].high <= r.switches[1].low)
    }

    // Every bracket: both ends evaluated, the switch inside, width ≤ asked unless it says why — over random lines.
    @Test("bisection never reports a bracket wider than asked, except with its reason")
    func neverWiderThanAsked() {
        var g = SplitMix64(seed: 21)  // FuzzCLITests' generator
        for case_ in 0..<400 {
            let integral = case_ % 4 == 0
            let scale: LineScale = case_ % 2 == 0 ? .log : .linear
            let rel = pow(10.0, -4 + 3 * Double.random(in: 0..<1, using: &g))
            let (lo, hi) = integral ? (1.0, 1000.0) : (scale == .log ? (1e-4, 1.0) : (-1.0, 1.0))
            var cuts: [Double] = []
            for _ in 0..<(1 + Int(Double.random(in: 0..<1, using: &g) * 3)) {
                let u = Double.random(in: 0..<1, using: &g)
                cuts.append(scale == .log ? lo * pow(hi / lo, u) : lo + (hi - lo) * u)
            }
            if integral { cuts = cuts.map { $0.rounded() + 0.5 } }
            cuts.sort()
            let labels = ["C", "D", ".", "w"]
            let f = line(cuts.enumerated().map { ($1, labels[$0 % 4]) }, last: labels[cuts.count % 4])
            let s = SwitchSearch(scale: scale, integral: integral, relativePrecision: rel)
            let r = run(s, lo, hi, 9, f)
            let evaluated = Set(r.points.map(\.x))
            for b in r.switches {
                #expect(evaluated.contains(b.low) && evaluated.contains(b.high))
                #expect(f(b.low).key == b.below && f(b.high).key == b.above && b.below != b.above)
                #expect(cuts.contains { b.low < $0 && $0 <= b.high })
                if b.limit == nil { #expect(b.high - b.low <= rel * max(abs(b.low), abs(b.high))) }
                else { #expect(integral && b.limit == .adjacentIntegers && b.high - b.low == 1) }
            }
        }
    }

    @Test("an integer line stops at adjacent integers and says so")
    func integerLine() {
        let s = SwitchSearch(scale: .log, integral: true, relativePrecision: 0.005)
        let r = run(s, 10, 1000, 9, line([(37, "C")], last: "D"))
        #expect(r.switches.count == 1)
        #expect(r.switches[0].low == 36 && r.switches[0].high == 37 && r.switches[0].limit == .adjacentIntegers)
    }

    @Test("a failed evaluation is never a side of a switch: at a scan point or a midpoint the change is unresolved")
    func failuresAreNotSwitches() {
        let s = SwitchSearch(scale: .log, integral: false, relativePrecision: 0.005)
        let xs = s.scanPoints(1e-4, 1, count: 9)
        let atScan = run(s, 1e-4, 1, 9, line([(0.01, "C")], last: "D", fails: [xs[4]...xs[4]]))
        #expect(atScan.switches.isEmpty && atScan.unresolved.count == 1 && atScan.failures.count == 1)
        let mid = run(s, 1e-4, 1, 9, line([(0.0123, "C")], last: "D", fails: [0.005...0.02]))
        #expect(mid.switches.isEmpty && mid.unresolved.count == 1)
        #expect(mid.unresolved[0].below == "C" && mid.unresolved[0].above == "D" && !mid.failures.isEmpty)
    }

    // The flow's boundary is a property of the flow, not of the integrator's tolerance. Located to 0.01%, the
    // critical rate shows a sliver of undecided runs (C → . → D: the flow decides slowly right at the boundary), so
    // the fine boundary is the span from the first switch's low end to the last one's high end.
    @Test("η_E* located at rtol 1e-8 to 0.01% lies inside the 0.5% bracket found at rtol 1e-10")
    func tolerance() throws {
        func brackets(rtol: Double, precision: Double) throws -> [SwitchBracket<BoundarySide>] {
            var base = RunSpec()
            base.initA = Matrix([[0.1, 0.05], [0.05, 0.05]]); base.initB = .identity(2); base.neurons = 2; base.rtol = rtol
            let axis = try SweepAxis(parsing: "alpha-ratio=0.5,0.9")
            let search = try BoundarySearch(base: base, axes: [axis], along: "eta-e-ratio", between: "1e-4,1", scan: 9,
                                            relativePrecision: precision, target: .outcome, engine: PopulationEngine())
            let lines = search.run([0, 1], jobs: 2) { (_: BoundaryLine) throws(Never) in }
            return lines.map { l in
                guard let first = l.switches.first, let last = l.switches.last else {
                    return SwitchBracket(low: .nan, high: .nan, below: .never, above: .never, limit: nil)
                }
                return SwitchBracket(low: first.low, high: last.high, below: first.below, above: last.above, limit: nil)
            }
        }
        let fine = try brackets(rtol: 1e-8, precision: 1e-4), tight = try brackets(rtol: 1e-10, precision: 0.005)
        for (f, t) in zip(fine, tight) {
            let mid = (f.low * f.high).squareRoot()
            #expect(t.low <= mid && mid <= t.high, "rtol 1e-8: \(f.low)…\(f.high); rtol 1e-10: \(t.low)…\(t.high)")
            #expect(f.below == .outcome(.collapse) && f.above == .outcome(.diverse) && f.high - f.low <= 1e-3 * f.high)
        }
    }
}
