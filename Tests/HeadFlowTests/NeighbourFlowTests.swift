import Testing
import PropertyBased
@testable import HeadFlow

/// Integrates `field` from `y0` and returns the flat state at each of `times`.
func integrate(_ field: NeighbourFlowField, from y0: [Double], times: [Double], settings: IntegratorSettings) throws -> [[Double]] {
    let integrator = ODEIntegrator(dimension: field.dimension, settings: settings) { _, y, dy in field.velocity(y, into: dy) }
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
        let field = NeighbourFlowField(model: model, neurons: 2, eta: 1, etaE: 0.05, mask: HeadKind.offdiag.trainableMask(neurons: 2), tau: tau)
        let y0 = ReducedState(a: a0, r: r0, e: .identity(2)).flat + a0.storage + r0.storage
        let reduced = try integrate(field, from: y0, times: times, settings: settings)
        let full = try fullDimensionEMAFlow(model: model, head: .offdiag, w0: w0, eta: 1, etaE: 0.05, tau: tau, times: times, settings: settings)
        for (y, f) in zip(reduced, full) {
            let s = ReducedState(flat: Array(y.prefix(field.targetOffset)), features: 2, neurons: 2)
            let tg = try #require(field.target(at: y))
            #expect((s.a - f.a).maxAbs < 1e-6 && (s.b - f.b).maxAbs < 1e-6 && (s.e - f.e).maxAbs < 1e-6, "online: \(s) vs \(f)")
            #expect((tg.a - f.at).maxAbs < 1e-6 && (tg.b - f.bt).maxAbs < 1e-6, "target: \(tg) vs \(f.at), \(f.bt)")
        }
        // Not trivial: a feature was learned, and the target lags the online state.
        let last = ReducedState(flat: Array(reduced.last!.prefix(field.targetOffset)), features: 2, neurons: 2)
        #expect(last.cosines.maxAbs > 0.9)
        #expect((field.target(at: reduced[2])!.a - ReducedState(flat: Array(reduced[2].prefix(field.targetOffset)), features: 2, neurons: 2).a).maxAbs > 1e-4)
    }

    // DirectPred: the field moves [A; R] by −η ∇L at E = DirectPredHead(S(A, B)) and leaves the stored E alone.
    @Test("DirectPred field = objective at the DirectPred head of S", arguments: DirectPredHead.Source.allCases)
    func directPredField(source: DirectPredHead.Source) async {
        let rule = DirectPredHead(epsilon: 0.2, source: source, exponent: 0.5)
        let field = NeighbourFlowField(model: DataModel(), neurons: 3, eta: 1.5, etaE: 0.3,
                                       mask: HeadKind.full.trainableMask(neurons: 3), directPred: rule)
        let objective = PopulationObjective(model: DataModel(), neurons: 3)
        await propertyCheck(count: 20, input: Gen.double(in: -1...1).array(of: 6 + 18)) { values in
            let state = featureHeavyState(values, features: 2, neurons: 3)
            let e = rule.head(secondMoment: PopulationMoments(model: DataModel(), a: state.a, b: state.b).same)
            #expect((field.head(at: state.flat) - e).maxAbs < 1e-12)
            let ev = objective.evaluate(online: ReducedState(a: state.a, r: state.r, e: e))
            var dy = [Double](repeating: .nan, count: field.dimension)
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
        let mask = HeadKind.offdiag.trainableMask(neurons: 2)
        let same = try integrate(NeighbourFlowField(model: DataModel(), neurons: 2, eta: 1, etaE: 0.01, mask: mask),
                                 from: Self.canonicalFlat(ema: false), times: times, settings: settings)
        let gaps = try [1.0, 0.1, 0.01].map { tau in
            let ema = try integrate(NeighbourFlowField(model: DataModel(), neurons: 2, eta: 1, etaE: 0.01, mask: mask, tau: tau),
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
        let mask = HeadKind.offdiag.trainableMask(neurons: 2)
        let field = NeighbourFlowField(model: DataModel(), neurons: 2, eta: 1, etaE: 0.01, mask: mask, tau: 1e12)
        let y0 = Self.canonicalFlat(ema: true)
        let out = try integrate(field, from: y0, times: [3000], settings: IntegratorSettings())
        let target = try #require(field.target(at: out[0]))
        #expect((target.a - Matrix([[0.1, 0.05], [0.05, 0.05]])).maxAbs < 1e-8 && (target.r - .identity(2)).maxAbs < 1e-8)
        let online = ReducedState(flat: Array(out[0].prefix(field.targetOffset)), features: 2, neurons: 2)
        #expect((online.a - target.a).maxAbs > 0.1, "the online state moved away from the frozen target")
    }
}
