import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

@Suite("Optima of the population objective (docs/MODEL.md §3)")
struct CoreOptimaTests {
    static let model = DataModel()

    // ρ_j ≤ (s−1)/(s+1) for every state and every head.
    @Test("every ρ_j ≤ (s−1)/(s+1)")
    func correlationBound() async {
        let objective = PopulationObjective(model: Self.model, neurons: 3)
        let bound = Self.model.maximalCorrelation
        #expect(abs(bound - 7.0 / 9.0) < 1e-15)
        await propertyCheck(count: 200, input: Gen.double(in: -1...1).array(of: 2 * 3 + 18)) { values in
            let state = randomState(values, features: 2, neurons: 3)
            for rho in objective.evaluate(online: state).correlations { #expect(rho <= bound + 1e-12) }
        }
    }

    // A neuron exactly on one feature (no noise part) attains the bound, with E = I.
    @Test("a neuron on one feature attains the bound", arguments: [0, 1])
    func featureNeuronAttainsBound(feature l: Int) {
        var a = Matrix(rows: 2, cols: 2), r = Matrix.identity(2)
        a[l, 0] = 0.7; r[0, 0] = 0
        let ev = PopulationObjective(model: Self.model, neurons: 2).evaluate(online: ReducedState(a: a, r: r, e: .identity(2)))
        #expect(abs(ev.correlations[0] - Self.model.maximalCorrelation) < 1e-13)
        #expect(ev.correlations[1] < Self.model.maximalCorrelation - 0.1)
    }

    // Collapsed (both on v_1) and diverse (v_1, v_2) solutions are both global optima:
    // L = 2m(1 − (s−1)/(s+1)); a random W is strictly worse.
    @Test("collapsed and diverse solutions tie at the global optimum")
    func optimaTie() {
        let objective = PopulationObjective(model: Self.model, neurons: 2)
        let optimum = 2 * 2 * (1 - Self.model.maximalCorrelation)
        let zeroR = Matrix(rows: 2, cols: 2)
        let collapsed = objective.evaluate(online: ReducedState(a: Matrix([[1, -0.5], [0, 0]]), r: zeroR, e: .identity(2)))
        let diverse = objective.evaluate(online: ReducedState(a: Matrix([[0.8, 0], [0, 1.3]]), r: zeroR, e: .identity(2)))
        #expect(abs(collapsed.loss - optimum) < 1e-13)
        #expect(abs(diverse.loss - optimum) < 1e-13)
        let random = objective.evaluate(online: ReducedState(a: Matrix([[0.3, 0.1], [0.2, 0.4]]), r: .identity(2), e: .identity(2)))
        #expect(random.loss > optimum + 0.1)
    }

    // The named optimum states: w_j = v_{j mod k} (diverse) or every w_j = v_1 (collapsed), unit
    // norm, B = 0, E = I; each attains the bound.
    @Test("diverseOptimum and collapsedOptimum are the unit feature states", arguments: [(2, 3), (3, 2)])
    func namedOptima(k: Int, m: Int) {
        let diverse = ReducedState.diverseOptimum(features: k, neurons: m)
        let collapsed = ReducedState.collapsedOptimum(features: k, neurons: m)
        for j in 0..<m {
            for l in 0..<k {
                #expect(diverse.a[l, j] == (l == j % k ? 1 : 0))
                #expect(collapsed.a[l, j] == (l == 0 ? 1 : 0))
            }
        }
        for s in [diverse, collapsed] {
            #expect(s.r == Matrix(rows: m, cols: m) && s.e == .identity(m))
            #expect(s.norms.allSatisfy { $0 == 1 })
        }
        let model = DataModel(alpha: Array([1.5, 1.0, 0.8].prefix(k)))
        for rho in PopulationObjective(model: model, neurons: m).evaluate(online: diverse).correlations {
            #expect(abs(rho - model.maximalCorrelation) < 1e-13)
        }
    }
}
