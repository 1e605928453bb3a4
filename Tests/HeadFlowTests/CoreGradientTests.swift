import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// Central finite differences of the stop-gradient surrogate `L(online; target)`
/// in every coordinate of the flat state `[A, R, E]`, target held fixed.
func finiteDifferenceGradient(_ objective: PopulationObjective, at state: ReducedState, step h: Double = 1e-6) -> [Double] {
    let k = state.features, m = state.neurons
    var flat = state.flat
    return (0..<flat.count).map { i in
        let x = flat[i]
        flat[i] = x + h
        let plus = objective.evaluate(online: ReducedState(flat: flat, features: k, neurons: m), target: state).loss
        flat[i] = x - h
        let minus = objective.evaluate(online: ReducedState(flat: flat, features: k, neurons: m), target: state).loss
        flat[i] = x
        return (plus - minus) / (2 * h)
    }
}

/// A random reduced state: `A` entries in ±0.8, `R` near the identity, `E` near the identity.
func randomState(_ values: [Double], features k: Int, neurons m: Int) -> ReducedState {
    var a = Matrix(rows: k, cols: m), r = Matrix.identity(m), e = Matrix.identity(m)
    var it = values.makeIterator()
    for i in 0..<(k * m) { a.storage[i] = 0.8 * it.next()! }
    for i in 0..<(m * m) { r.storage[i] += 0.5 * it.next()! }
    for i in 0..<(m * m) { e.storage[i] += 0.5 * it.next()! }
    return ReducedState(a: a, r: r, e: e)
}

@Suite("Population gradient (stop-gradient) vs finite differences")
struct CoreGradientTests {
    // ∂L/∂A, ∂L/∂R, ∂L/∂E equal central differences of the surrogate with the target fixed.
    @Test("analytic gradient = central finite differences", arguments: [(2, 2), (3, 3), (2, 4)])
    func gradientMatchesFiniteDifferences(k: Int, m: Int) async {
        let model = DataModel(alpha: Array([1.5, 1.0, 0.8].prefix(k)) + Array(repeating: 0.7, count: max(0, k - 3)))
        let objective = PopulationObjective(model: model, neurons: m)
        let n = k * m + 2 * m * m
        await propertyCheck(count: 25, input: Gen.double(in: -1...1).array(of: n)) { values in
            let state = randomState(values, features: k, neurons: m)
            let ev = objective.evaluate(online: state)
            let analytic = ev.gradA.storage + ev.gradR.storage + ev.gradE.storage
            let numeric = finiteDifferenceGradient(objective, at: state)
            let scale = max(1, numeric.map(abs).max()!)
            for i in 0..<n {
                #expect(abs(analytic[i] - numeric[i]) <= 1e-6 * scale, "coordinate \(i): \(analytic[i]) vs \(numeric[i])")
            }
        }
    }

    // The stop-gradient matters: the gradient of the full loss (target moving too) differs.
    @Test("the gradient is not that of the loss without stop-gradient")
    func stopGradientIsNotFullGradient() {
        let objective = PopulationObjective(model: DataModel(), neurons: 2)
        let state = ReducedState(a: Matrix([[0.3, 0.1], [0.2, 0.25]]), r: .identity(2), e: Matrix([[1, 0.2], [0.1, 1]]))
        let ev = objective.evaluate(online: state)
        let h = 1e-6
        var flat = state.flat
        flat[0] += h
        let plus = objective.evaluate(online: ReducedState(flat: flat, features: 2, neurons: 2)).loss
        flat[0] -= 2 * h
        let minus = objective.evaluate(online: ReducedState(flat: flat, features: 2, neurons: 2)).loss
        let full = (plus - minus) / (2 * h)
        #expect(abs(full - ev.gradA[0, 0]) > 1e-3 * max(abs(full), 1e-9))
    }

    // BN makes ρ_j invariant to a positive scale of row j of E: ∂L/∂E_j · E_j = 0.
    @Test("∂L/∂E is orthogonal to each row of E (BN scale invariance)")
    func headGradientOrthogonalToRows() async {
        let objective = PopulationObjective(model: DataModel(), neurons: 3)
        await propertyCheck(count: 30, input: Gen.double(in: -1...1).array(of: 2 * 3 + 18)) { values in
            let state = randomState(values, features: 2, neurons: 3)
            let g = objective.evaluate(online: state).gradE
            for j in 0..<3 {
                let dot = (0..<3).reduce(0.0) { $0 + g[j, $1] * state.e[j, $1] }
                #expect(abs(dot) <= 1e-10 * max(1, g.maxAbs))
            }
        }
    }
}
