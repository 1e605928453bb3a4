import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// An objective with stop-gradient off (the target is the online state and moves with it).
func objectiveWithoutStopGradient(model: DataModel, neurons m: Int) -> PopulationObjective {
    let o = PopulationObjective(model: model, neurons: m)
    o.stopGradient = false
    return o
}

/// Central differences of `L(state)` with the target = the state, moving together.
func finiteDifferenceOfLoss(_ objective: PopulationObjective, at state: ReducedState, step h: Double = 1e-6) -> [Double] {
    let k = state.features, m = state.neurons
    var flat = state.flat
    return (0..<flat.count).map { i in
        let x = flat[i]
        flat[i] = x + h
        let plus = objective.evaluate(online: ReducedState(flat: flat, features: k, neurons: m)).loss
        flat[i] = x - h
        let minus = objective.evaluate(online: ReducedState(flat: flat, features: k, neurons: m)).loss
        flat[i] = x
        return (plus - minus) / (2 * h)
    }
}

/// A state where the features carry most of the output variance (so that every
/// gradient entry is well above finite-difference round-off): `A` in ±1.6,
/// `R = 0.4 (I + 0.5 X)`, `E = I + 0.5 Y`.
func featureHeavyState(_ values: [Double], features k: Int, neurons m: Int) -> ReducedState {
    let s = randomState(values, features: k, neurons: m)
    return ReducedState(a: 2 * s.a, r: 0.4 * s.r, e: s.e)
}

/// The flat gradient `[∂L/∂A, ∂L/∂R, ∂L/∂E]` of an evaluation.
func flatGradient(_ ev: PopulationEvaluation) -> [Double] { ev.gradA.storage + ev.gradR.storage + ev.gradE.storage }

/// `max_i |x_i − y_i| / max(1, max |y|)`.
func relativeGap(_ x: [Double], _ y: [Double]) -> Double {
    let scale = max(1, y.map(abs).max() ?? 0)
    return zip(x, y).map { abs($0 - $1) }.max()! / scale
}

@Suite("Stop-gradient off and the EMA target's velocity")
struct NeighbourGradientTests {
    static let shapes = [(2, 2), (3, 3), (2, 4)]
    // σ_ξ ≠ 1, so that a wrong power or factor of the noise term cannot hide behind 1^n = 1.
    static func model(k: Int) -> DataModel { DataModel(alpha: Array([1.5, 1.0, 0.8].prefix(k)), noise: 0.8) }

    // Without stop-gradient the gradient is that of L with the target moving: central differences.
    @Test("stop-grad off: analytic gradient = finite differences of L(target = online)", arguments: shapes)
    func gradientMatchesFiniteDifferences(k: Int, m: Int) async {
        let objective = objectiveWithoutStopGradient(model: Self.model(k: k), neurons: m)
        await propertyCheck(count: 25, input: Gen.double(in: -1...1).array(of: k * m + 2 * m * m)) { values in
            let state = featureHeavyState(values, features: k, neurons: m)
            let analytic = flatGradient(objective.evaluate(online: state))
            let numeric = finiteDifferenceOfLoss(objective, at: state, step: 1e-5)
            let scale = numeric.map(abs).max()!
            // A vanishing gradient would make the check empty; a random draw near a stationary point is legitimately
            // small (one draw gave 0.000999999994 against an earlier floor of 1e-3), so the floor is 1e-5 and the
            // tolerance is relative to max(scale, 1e-3), above the finite differences' own error.
            #expect(scale > 1e-5)
            let gap = zip(analytic, numeric).map { abs($0 - $1) }.max()!
            #expect(gap <= 1e-6 * max(scale, 1e-3), "\(analytic) vs \(numeric)")
        }
    }

    // The two rules differ (in A and R; the head's gradient is the same: the target has no E).
    @Test("stop-grad off differs from stop-grad on in A and R, not in E")
    func offDiffersFromOn() async {
        let on = PopulationObjective(model: DataModel(), neurons: 2)
        let off = objectiveWithoutStopGradient(model: DataModel(), neurons: 2)
        await propertyCheck(count: 20, input: Gen.double(in: 0.2...1).array(of: 12)) { values in
            let state = randomState(values, features: 2, neurons: 2)
            let x = on.evaluate(online: state), y = off.evaluate(online: state)
            #expect(abs(x.loss - y.loss) <= 1e-14 * max(1, abs(x.loss)))
            #expect((x.gradA - y.gradA).maxAbs > 1e-2 * x.gradA.maxAbs && x.gradA.maxAbs > 0)
            #expect((x.gradR - y.gradR).maxAbs > 1e-2 * x.gradR.maxAbs && x.gradR.maxAbs > 0)
            #expect((x.gradE - y.gradE).maxAbs <= 1e-12 * max(1, x.gradE.maxAbs))
        }
    }

    // The allocation-free core equals the readable form, with and without stop-gradient, and with a separate target.
    @Test("hot path = readable form (stop-grad on/off, separate target)", arguments: shapes)
    func hotPathMatchesReference(k: Int, m: Int) async {
        let model = Self.model(k: k)
        let on = PopulationObjective(model: model, neurons: m), off = objectiveWithoutStopGradient(model: model, neurons: m)
        let n = k * m + 2 * m * m
        await propertyCheck(count: 25, input: Gen.double(in: -1...1).array(of: 2 * n)) { values in
            let state = randomState(Array(values.prefix(n)), features: k, neurons: m)
            let target = randomState(Array(values.suffix(n)), features: k, neurons: m)
            let pairs: [(PopulationEvaluation, PopulationEvaluation)] = [
                (on.evaluate(online: state), PopulationGradientReference.evaluate(model: model, online: state)),
                (on.evaluate(online: state, target: target),
                 PopulationGradientReference.evaluate(model: model, online: state, target: target)),
                (off.evaluate(online: state), PopulationGradientReference.evaluate(model: model, online: state, stopGradient: false)),
            ]
            for (fast, readable) in pairs {
                #expect(abs(fast.loss - readable.loss) <= 1e-12 * max(1, abs(readable.loss)))
                #expect(relativeGap(flatGradient(fast), flatGradient(readable)) <= 1e-12)
                #expect((fast.gradB - readable.gradB).maxAbs <= 1e-12 * max(1, readable.gradB.maxAbs))
            }
        }
    }

    // velocity(…, target:) is −η ∇L at the target factors; EMATarget writes ([A; R] − [A_tg; R_tg])/τ.
    @Test("velocity with a target block and the EMA target velocity")
    func velocityWithTarget() throws {
        let k = 2, m = 2
        let objective = PopulationObjective(model: DataModel(), neurons: m)
        let state = ReducedState(a: Matrix([[0.3, 0.1], [0.2, 0.25]]), r: Matrix([[1, 0.2], [0, 0.9]]), e: Matrix([[1, 0.2], [0.1, 1]]))
        let target = ReducedState(a: Matrix([[0.25, 0.05], [0.1, 0.3]]), r: Matrix([[1.1, 0], [0.1, 0.8]]), e: .identity(2))
        let ev = objective.evaluate(online: state, target: target)
        let mask = HeadKind.full.trainableMask(neurons: m).storage
        let online = state.flat, tg = target.a.storage + target.r.storage
        var dy = [Double](repeating: 0, count: online.count)
        let ok = online.withUnsafeBufferPointer { y in
            tg.withUnsafeBufferPointer { t in
                dy.withUnsafeMutableBufferPointer { d in
                    mask.withUnsafeBufferPointer { objective.velocity(y, into: d, eta: 2, etaE: 0.5, mask: $0, layout: StateLayout(features: k, neurons: m), target: t.baseAddress!) }
                }
            }
        }
        try #require(ok)
        let expected = (-2 * ev.gradA).storage + (-2 * ev.gradR).storage + (-0.5 * ev.gradE).storage
        #expect(relativeGap(dy, expected) <= 1e-13)
        let untargeted = PopulationObjective(model: DataModel(), neurons: m).evaluate(online: state)
        #expect((untargeted.gradA - ev.gradA).maxAbs > 1e-3)

        var dTarget = [Double](repeating: 0, count: k * m + m * m)
        online.withUnsafeBufferPointer { y in
            tg.withUnsafeBufferPointer { t in
                dTarget.withUnsafeMutableBufferPointer {
                    EMATarget.velocity(online: y.baseAddress!, target: t.baseAddress!, into: $0.baseAddress!, count: k * m + m * m, tau: 4)
                }
            }
        }
        let readable = EMATarget.velocity(online: state, target: target, tau: 4)
        #expect(dTarget == readable.a.storage + readable.r.storage)
        #expect(abs(dTarget[0] - (0.3 - 0.25) / 4) < 1e-16)
    }

    // With E = I, ρ_j is symmetric in its two arguments: the gradient without stop-gradient is exactly twice the
    // stop-gradient one (the flow runs at double speed); with E ≠ I it is not.
    @Test("E = I: stop-grad off = 2 × stop-grad on; not for E ≠ I")
    func identityHeadDoubles() async {
        let on = PopulationObjective(model: DataModel(), neurons: 3), off = objectiveWithoutStopGradient(model: DataModel(), neurons: 3)
        await propertyCheck(count: 20, input: Gen.double(in: 0.2...1).array(of: 6 + 18)) { values in
            var state = featureHeavyState(values, features: 2, neurons: 3)
            state.e = .identity(3)
            let x = flatGradient(on.evaluate(online: state)).prefix(6 + 9), y = flatGradient(off.evaluate(online: state)).prefix(6 + 9)
            #expect(relativeGap(Array(y), x.map { 2 * $0 }) <= 1e-12)
            state = featureHeavyState(values, features: 2, neurons: 3)
            let u = flatGradient(on.evaluate(online: state)).prefix(6), w = flatGradient(off.evaluate(online: state)).prefix(6)
            #expect(relativeGap(Array(w), u.map { 2 * $0 }) > 1e-3)
        }
    }
}
