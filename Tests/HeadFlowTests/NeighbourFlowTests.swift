import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// A population field with the neighbouring rules set.
func neighbourField(model: DataModel = DataModel(), head: HeadKind, eta: Double = 1, etaE: Double = 0.01, tau: Double? = nil,
                    stopGradient: StopGradientRule = .on, directPred: DirectPredHead = DirectPredHead()) -> PopulationField {
    var f = PopulationField(model: model, head: head, eta: eta, etaE: etaE)
    if let tau { f.model.target = .ema; f.model.emaTau = tau }
    f.model.stopGradient = stopGradient; f.model.directPred = directPred
    return f
}

/// Integrates `field` (m = 2) from `y0` and returns the flat state at each of `times`.
func integrate(_ field: PopulationField, from y0: [Double], times: [Double], settings: IntegratorSettings, neurons m: Int = 2) throws -> [[Double]] {
    let evaluator = field.makeEvaluator(neurons: m)
    let integrator = ODEIntegrator(dimension: evaluator.layout.count, settings: settings) { _, y, dy in evaluator.velocity(y, into: dy) }
    var y = y0, t = 0.0, out: [[Double]] = []
    for target in times {
        while t < target { try integrator.step(t: &t, to: target, y: &y) }
        out.append(y)
    }
    return out
}

/// BYOL's flow in full dimension: `W` (d×m), `E`, `W_tg` (d×m);
/// `dW = −η (V ∂L/∂A + 2 Π W ∂L/∂B)` at target factors `(Vᵀ W_tg, W_tgᵀ Π W_tg)`,
/// `dE = −η_E ∂L/∂E ∘ mask`, `dW_tg = (W − W_tg)/τ`. Returns `(A, B, E, A_tg, B_tg)` at `times`.
func fullDimensionEMAFlow(model: DataModel, head: HeadKind, w0: Matrix, eta: Double, etaE: Double, tau: Double,
                          times: [Double], settings: IntegratorSettings) throws -> [(a: Matrix, b: Matrix, e: Matrix, at: Matrix, bt: Matrix)] {
    let d = w0.rows, m = w0.cols, k = model.featureCount
    let objective = PopulationObjective(model: model, neurons: m)
    let mask = head.trainableMask(neurons: m)
    let wOffset = d * m + m * m
    func split(_ y: UnsafeBufferPointer<Double>) -> (Matrix, Matrix, Matrix) {
        (Matrix(rows: d, cols: m, storage: Array(y[0..<(d * m)])), Matrix(rows: m, cols: m, storage: Array(y[(d * m)..<wOffset])),
         Matrix(rows: d, cols: m, storage: Array(y[wOffset...])))
    }
    let integrator = ODEIntegrator(dimension: 2 * d * m + m * m, settings: settings) { _, y, dy in
        let (w, e, wt) = split(y)
        let (a, b) = reducedCoordinates(w, features: k), (at, bt) = reducedCoordinates(wt, features: k)
        guard let r = LinearAlgebra.gramFactor(b), let rt = LinearAlgebra.gramFactor(bt) else { return false }
        let ev = objective.evaluate(online: ReducedState(a: a, r: r, e: e), target: ReducedState(a: at, r: rt, e: e))
        var pw = w
        for l in 0..<k { for j in 0..<m { pw[l, j] = 0 } }
        let noisePart = pw * ev.gradB
        for row in 0..<d { for j in 0..<m {
            dy[row * m + j] = -eta * ((row < k ? ev.gradA[row, j] : 0) + 2 * noisePart[row, j])
            dy[wOffset + row * m + j] = (w[row, j] - wt[row, j]) / tau
        } }
        for i in 0..<(m * m) { dy[d * m + i] = -etaE * ev.gradE.storage[i] * mask.storage[i] }
        return ev.loss.isFinite
    }
    var y = w0.storage + Matrix.identity(m).storage + w0.storage, t = 0.0
    var out: [(Matrix, Matrix, Matrix, Matrix, Matrix)] = []
    for target in times {
        while t < target { try integrator.step(t: &t, to: target, y: &y) }
        let (w, e, wt) = y.withUnsafeBufferPointer { split($0) }
        let (a, b) = reducedCoordinates(w, features: k), (at, bt) = reducedCoordinates(wt, features: k)
        out.append((a, b, e, at, bt))
    }
    return out
}

@Suite("Neighbouring mechanisms in the population flow")
struct NeighbourFlowTests {
    // The reduced EMA flow on [A; R; E; A_tg; R_tg] reproduces BYOL's flow of (W, W_tg) in full dimension d = 20.
    @Test("EMA target: reduced flow = full-dimension flow (d = 20)", arguments: [30.0, 300.0])
    func emaReducedMatchesFullDimension(tau: Double) throws {
        let model = DataModel(dimension: 20)
        let w0 = RandomSource(seed: 4).gaussianMatrix(rows: 20, cols: 2, sigma: 1 / 20.0.squareRoot())
        let (a0, b0) = reducedCoordinates(w0, features: 2)
        let r0 = LinearAlgebra.gramFactor(b0)!
        let settings = IntegratorSettings(rtol: 1e-10, atol: 1e-13)
        let times = [50.0, 200, 600, 1500, 4000]
        let field = neighbourField(model: model, head: .offdiag, etaE: 0.05, tau: tau).makeEvaluator(neurons: 2)
        let y0 = ReducedState(a: a0, r: r0, e: .identity(2)).flat + a0.storage + r0.storage
        #expect(y0 == field.field.initialState(ReducedState(a: a0, r: r0, e: .identity(2))))
        let reduced = try integrate(field.field, from: y0, times: times, settings: settings)
        let full = try fullDimensionEMAFlow(model: model, head: .offdiag, w0: w0, eta: 1, etaE: 0.05, tau: tau, times: times, settings: settings)
        for (y, f) in zip(reduced, full) {
            let s = field.onlineState(y)
            let tg = try #require(field.targetState(y))
            #expect((s.a - f.a).maxAbs < 1e-6 && (s.b - f.b).maxAbs < 1e-6 && (s.e - f.e).maxAbs < 1e-6, "online: \(s) vs \(f)")
            #expect((tg.a - f.at).maxAbs < 1e-6 && (tg.b - f.bt).maxAbs < 1e-6, "target: \(tg) vs \(f.at), \(f.bt)")
        }
        // Not trivial: a feature was learned, and the target lags the online state.
        #expect(field.onlineState(reduced.last!).cosines.maxAbs > 0.9)
        #expect((field.targetState(reduced[2])!.a - field.onlineState(reduced[2]).a).maxAbs > 1e-4)
    }

    // DirectPred: the field moves [A; R] by −η ∇L at E = DirectPredHead(S(A, B)) and leaves the stored E alone.
    @Test("DirectPred field = objective at the DirectPred head of S", arguments: DirectPredHead.Source.allCases)
    func directPredField(source: DirectPredHead.Source) async {
        let rule = DirectPredHead(epsilon: 0.2, source: source, exponent: 0.5)
        let field = neighbourField(head: .directpred, eta: 1.5, etaE: 0.3, directPred: rule).makeEvaluator(neurons: 3)
        let objective = PopulationObjective(model: DataModel(), neurons: 3)
        await propertyCheck(count: 20, input: Gen.double(in: -1...1).array(of: 6 + 18)) { values in
            let state = featureHeavyState(values, features: 2, neurons: 3)
            let e = rule.head(secondMoment: PopulationMoments(model: DataModel(), a: state.a, b: state.b).same)
            #expect((field.onlineState(state.flat).e - e).maxAbs < 1e-12)
            let ev = objective.evaluate(online: ReducedState(a: state.a, r: state.r, e: e))
            var dy = [Double](repeating: .nan, count: field.layout.count)
            let ok = state.flat.withUnsafeBufferPointer { y in dy.withUnsafeMutableBufferPointer { field.velocity(y, into: $0) } }
            #expect(ok)
            let expected = (-1.5 * ev.gradA).storage + (-1.5 * ev.gradR).storage + Array(repeating: 0, count: 9)
            #expect(relativeGap(dy, expected) <= 1e-12)
            // The stored E does not matter.
            #expect((ev.gradA - objective.evaluate(online: state).gradA).maxAbs > 0)
        }
    }

    /// The canonical start with an EMA target block equal to the online one.
    static func canonicalFlat(ema: Bool) -> [Double] {
        let a = Matrix([[0.1, 0.05], [0.05, 0.05]])
        return ReducedState(a: a, r: .identity(2), e: .identity(2)).flat + (ema ? a.storage + Matrix.identity(2).storage : [])
    }

    // τ → 0: the EMA flow tends to the flow with target `same`, the gap shrinking about in proportion to τ.
    @Test("EMA with τ → 0 converges to the target same")
    func smallTauConvergesToSame() throws {
        let times = [600.0, 900, 1000, 1500]
        let settings = IntegratorSettings(stepper: .msbdf, rtol: 1e-10, atol: 1e-13)
        let same = try integrate(neighbourField(head: .offdiag),
                                 from: Self.canonicalFlat(ema: false), times: times, settings: settings)
        let gaps = try [1.0, 0.1, 0.01].map { tau in
            let ema = try integrate(neighbourField(head: .offdiag, tau: tau),
                                    from: Self.canonicalFlat(ema: true), times: times, settings: settings)
            return zip(ema, same).map { x, y in zip(x.prefix(y.count), y).map { abs($0 - $1) }.max()! }.max()!
        }
        #expect(gaps[0] > 1e-3, "τ = 1 should differ visibly from same: \(gaps)")
        #expect(gaps[1] < gaps[0] / 5 && gaps[2] < gaps[1] / 5, "gaps \(gaps)")
        #expect(gaps[2] < 1e-3)
    }

    // τ → ∞: the target stays at the start (and so the flow differs from `same`).
    @Test("EMA with a huge τ freezes the target")
    func hugeTauFreezesTarget() throws {
        let field = neighbourField(head: .offdiag, tau: 1e12).makeEvaluator(neurons: 2)
        let y0 = Self.canonicalFlat(ema: true)
        let out = try integrate(field.field, from: y0, times: [3000], settings: IntegratorSettings())
        let target = try #require(field.targetState(out[0]))
        #expect((target.a - Matrix([[0.1, 0.05], [0.05, 0.05]])).maxAbs < 1e-8 && (target.r - .identity(2)).maxAbs < 1e-8)
        let online = field.onlineState(out[0])
        #expect((online.a - target.a).maxAbs > 0.1, "the online state moved away from the frozen target")
    }

    // Through the solver: the Phase I event time with EMA tends to that of `same` as τ → 0, and grows with τ.
    @Test("EMA: learn_w1_v1 converges to same's as τ → 0")
    func eventTimesConverge() throws {
        let same = try solved(canonicalSpec(head: .offdiag))
        let t0 = try #require(same.time(of: "learn_w1_v1"))
        let times = try [10.0, 1, 0.1].map { tau in
            var s = canonicalSpec(head: .offdiag); s.target = .ema; s.emaTau = tau
            return try #require(try solved(s).time(of: "learn_w1_v1"))
        }
        let gaps = times.map { abs($0 - t0) }
        #expect(gaps[0] > gaps[1] * 5 && gaps[1] > gaps[2] * 5, "gaps \(gaps) from \(t0)")
        #expect(gaps[2] < 1e-3 * t0)
        #expect(times[0] > times[1] && times[1] > times[2] && times[2] > t0)
    }

    // With --stepper auto an EMA run leaves rk8pd after 500 steps (its block relaxes at rate 1/τ, a stiffness
    // the explicit stepper pays for over the whole run): far fewer steps than rk8pd alone, the same answer.
    @Test("EMA, stepper auto: msbdf after 500 steps, fewer steps than rk8pd, the same events and final state")
    func emaAutoSwitchesEarly() throws {
        var spec = canonicalSpec(head: .offdiag); spec.target = .ema; spec.emaTau = 1
        // Recording only t = 0 and t_end: the counts are the integration's (interior samples are re-integrated).
        let auto = try solved(spec, times: [])
        spec.stepper = .rk8pd
        let explicit = try solved(spec, times: [])
        #expect(explicit.steps > 4_000 && auto.evaluations < explicit.evaluations / 3,
                "evaluations: auto \(auto.evaluations) (\(auto.steps) steps), rk8pd \(explicit.evaluations) (\(explicit.steps) steps)")
        for name in ["learn_w1_v1", "substitution", "learn_w2_v2"] {
            let a = try #require(auto.time(of: name)), b = try #require(explicit.time(of: name))
            #expect(abs(a - b) < 1e-5 * b, "\(name): auto \(a), rk8pd \(b)")
        }
        let fa = try #require(auto.samples.last), fb = try #require(explicit.samples.last)
        // rk8pd alone and msbdf alone differ by ~1e-6 here too (rtol 1e-8 over 2·10⁴ time units).
        #expect((fa.a - fb.a).maxAbs < 1e-5 && (fa.e - fb.e).maxAbs < 1e-5, "final A: \(fa.a) vs \(fb.a)")
    }

    // Every recorded sample of a DirectPred run carries the head of its state's S, and the ranks of f and E f.
    @Test("DirectPred in the solver: E = DirectPredHead(S) and the ranks at each sample", arguments: [HeadKind.directpred, .directcopy])
    func directPredSamples(head: HeadKind) throws {
        var spec = canonicalSpec(head: head); spec.dpSource = .normalized; spec.dpEps = 0.2
        let t = try solved(spec)
        let rule = DirectPredHead(epsilon: 0.2, source: .normalized, exponent: head == .directpred ? 0.5 : 1)
        for sample in t.samples {
            let s = PopulationMoments(model: spec.model, a: sample.a, b: sample.b).same
            #expect((sample.e - rule.head(secondMoment: s)).maxAbs < 1e-12)
            let f = try #require(sample.outputRank), h = try #require(sample.headRank)
            #expect(f == RepresentationRank(secondMoment: s))
            #expect(h == RepresentationRank(secondMoment: RepresentationRank.secondMoment(of: s, head: sample.e)))
        }
        #expect(t.samples.contains { ($0.e - .identity(2)).maxAbs > 0.05 })
    }

    // erank of f: ≈ 2 with the paper's head (diverse), ≈ 1 without (collapse), at the canonical start.
    @Test("erank(f) at t_end: 2 with the offdiag head, 1 without")
    func erankSeparatesOutcomes() throws {
        let head = try #require(try solved(canonicalSpec(head: .offdiag)).final.outputRank)
        let none = try #require(try solved(canonicalSpec(head: .none)).final.outputRank)
        #expect(head.erank > 1.99 && none.erank < 1.01, "offdiag \(head), none \(none)")
    }
}
