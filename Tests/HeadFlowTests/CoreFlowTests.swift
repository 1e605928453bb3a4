import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// The canonical start: `A(0) = [[0.1,0.05],[0.05,0.05]]`, `B(0) = I`.
func canonicalSpec(head: HeadKind, tEnd: Double = 2e4) -> RunSpec {
    var s = RunSpec()
    s.initA = Matrix([[0.1, 0.05], [0.05, 0.05]])
    s.initB = .identity(2)
    s.head = head
    s.tEnd = tEnd
    return s
}

/// Solves `spec` (which must be valid) and requires success.
func solved(_ spec: RunSpec, times: [Double]? = nil) throws -> Trajectory {
    let p = try spec.problem()
    let t = PopulationSolver(settings: spec.settings).solve(p, saveat: times.map { .explicit($0) } ?? spec.sampling)
    try #require(t.status == .success, "solve failed: \(t.status)")
    return t
}

/// The same population flow written in full dimension: `W` (d×m, first k rows
/// along the features) and `E`; `dW = −η (V ∂L/∂A + 2 Π W ∂L/∂B)`, `dE = −η_E ∂L/∂E ∘ mask`.
func fullDimensionFlow(model: DataModel, head: HeadKind, w0: Matrix, eta: Double, etaE: Double,
                       times: [Double], settings: IntegratorSettings) throws -> [(a: Matrix, b: Matrix, e: Matrix)] {
    let d = w0.rows, m = w0.cols, k = model.featureCount
    let objective = PopulationObjective(model: model, neurons: m)
    let mask = head.trainableMask(neurons: m)
    let integrator = ODEIntegrator(dimension: d * m + m * m, settings: settings) { _, y, dy in
        let w = Matrix(rows: d, cols: m, storage: Array(y[0..<(d * m)]))
        let e = Matrix(rows: m, cols: m, storage: Array(y[(d * m)...]))
        let (a, b) = reducedCoordinates(w, features: k)
        guard let r = LinearAlgebra.gramFactor(b) else { return false }
        let ev = objective.evaluate(online: ReducedState(a: a, r: r, e: e))
        var pw = w
        for l in 0..<k { for j in 0..<m { pw[l, j] = 0 } }
        let noisePart = pw * ev.gradB
        for row in 0..<d { for j in 0..<m {
            let g = (row < k ? ev.gradA[row, j] : 0) + 2 * noisePart[row, j]
            dy[row * m + j] = -eta * g
        } }
        for i in 0..<(m * m) { dy[d * m + i] = -etaE * ev.gradE.storage[i] * mask.storage[i] }
        return ev.loss.isFinite
    }
    var y = w0.storage + Matrix.identity(m).storage, t = 0.0
    var out: [(Matrix, Matrix, Matrix)] = []
    for target in times {
        while t < target { try integrator.step(t: &t, to: target, y: &y) }
        let w = Matrix(rows: d, cols: m, storage: Array(y[0..<(d * m)]))
        let (a, b) = reducedCoordinates(w, features: k)
        out.append((a, b, Matrix(rows: m, cols: m, storage: Array(y[(d * m)...]))))
    }
    return out
}

@Suite("Population flow (docs/MODEL.md §4–5)")
struct CoreFlowTests {
    // The reduced flow on [A; R] and E reproduces the flow of W in full dimension d = 20.
    @Test("reduced flow = full-dimension flow (d = 20)")
    func reducedMatchesFullDimension() throws {
        let model = DataModel(dimension: 20)
        let w0 = RandomSource(seed: 4).gaussianMatrix(rows: 20, cols: 2, sigma: 1 / 20.0.squareRoot())
        let (a0, b0) = reducedCoordinates(w0, features: 2)
        let settings = IntegratorSettings(rtol: 1e-10, atol: 1e-13)
        let times = [50.0, 200, 600, 1500, 4000]
        let start = ReducedState(a: a0, r: LinearAlgebra.gramFactor(b0)!, e: .identity(2))
        let reduced = PopulationSolver(settings: settings).solve(
            PopulationProblem(model: model, head: .offdiag, start: start, etaE: 0.05, tEnd: 4000), saveat: .explicit(times))
        try #require(reduced.status == .success)
        let full = try fullDimensionFlow(model: model, head: .offdiag, w0: w0, eta: 1, etaE: 0.05, times: times, settings: settings)
        for (s, f) in zip(reduced.samples.dropFirst(), full) {
            #expect((s.a - f.a).maxAbs < 1e-6, "A at t=\(s.time): \(s.a) vs \(f.a)")
            #expect((s.b - f.b).maxAbs < 1e-6, "B at t=\(s.time)")
            #expect((s.e - f.e).maxAbs < 1e-6, "E at t=\(s.time)")
        }
        // The run is not trivial: some feature was learned and the head moved.
        #expect(abs(reduced.final.cosines.maxAbs) > 0.9)
        #expect(reduced.maxHeadDeviation > 1e-3)
    }

    // Canonical start, no head: neuron 2 ends on the strong feature v_1.
    @Test("canonical start, head none: neuron 2 ends on v_1")
    func canonicalNoHeadCollapses() throws {
        let t = try solved(canonicalSpec(head: .none))
        #expect(abs(t.final.cosines[0, 1]) > 0.99)
        #expect(abs(t.final.cosines[0, 0]) > 0.99)
    }

    // Canonical start, offdiag head: neuron 2 ends on the weak feature v_2 and E returns to I.
    @Test("canonical start, head offdiag: neuron 2 ends on v_2, E back at I")
    func canonicalOffdiagIsDiverse() throws {
        let t = try solved(canonicalSpec(head: .offdiag))
        #expect(abs(t.final.cosines[1, 1]) > 0.99)
        #expect(abs(t.final.cosines[0, 0]) > 0.99)
        #expect(t.final.headDeviation < 1e-6)
        #expect(t.maxHeadDeviation > 0.01)
        #expect(t.outcome == .diverse)
        let learn = try #require(t.time(of: "learn_w1_v1")), sub = try #require(t.time(of: "substitution"))
        #expect(learn < sub)
    }

    // An event time is located, not rounded to a step: |cos| crosses 0.9 within 1e-5 relative of it.
    @Test("learn events are located where |cos| crosses 0.9")
    func eventsAreLocated() throws {
        let spec = canonicalSpec(head: .offdiag)
        let t = try solved(spec)
        for (name, l, j) in [("learn_w1_v1", 0, 0), ("learn_w2_v2", 1, 1)] {
            let te = try #require(t.time(of: name))
            let at = try solved(spec, times: [te * (1 - 1e-5), te * (1 + 1e-5)])
            #expect(abs(at.samples[1].cosines[l, j]) < 0.9, "\(name): already learned just before t = \(te)")
            #expect(abs(at.samples[2].cosines[l, j]) >= 0.9, "\(name): not learned just after t = \(te)")
        }
        #expect(t.time(of: "learn_w2_v1") == nil)
        #expect(t.events.filter { $0.name.hasPrefix("learn_") }.count == 4)
    }

    // The implicit BDF stepper (finite-difference Jacobian) reproduces the explicit rk8pd events.
    @Test("msbdf and rk8pd agree on the canonical events", arguments: [StepperKind.msbdf, .bsimp])
    func implicitStepperAgrees(_ stepper: StepperKind) throws {
        var s = canonicalSpec(head: .offdiag)
        let explicit = try solved(s)
        s.stepper = stepper
        let implicit = try solved(s)
        for name in ["learn_w1_v1", "substitution", "learn_w2_v2"] {
            let a = try #require(explicit.time(of: name)), b = try #require(implicit.time(of: name))
            #expect(abs(a - b) <= 1e-4 * a, "\(name): rk8pd \(a) vs \(stepper) \(b)")
        }
        #expect((explicit.final.a - implicit.final.a).maxAbs < 1e-5)
    }

    // With E frozen at I the gradient of ρ_j is orthogonal to w_j: every ‖w_j‖ is conserved.
    @Test("head none conserves every ‖w_j‖; the offdiag head does not")
    func normsConservedWithoutHead() async throws {
        await propertyCheck(count: 8, input: Gen.int(in: 1...10_000)) { seed in
            var s = RunSpec(); s.head = .none; s.seed = UInt64(seed); s.d = 64; s.tEnd = 3e4; s.points = 30
            let t = try solved(s)
            let n0 = t.samples[0].norms
            for sample in t.samples { for j in 0..<2 { #expect(abs(sample.norms[j] - n0[j]) <= 1e-6 * n0[j]) } }
        }
        let t = try solved(canonicalSpec(head: .offdiag))
        let n0 = t.samples[0].norms
        #expect(t.samples.contains { abs($0.norms[1] - n0[1]) > 1e-3 })
    }

    // BN cancels a diagonal head: head diag gives the trajectory of head none, and E stays I.
    @Test("a diagonal-only head gives the same trajectory as no head")
    func diagonalHeadIsNoHead() async throws {
        await propertyCheck(count: 6, input: Gen.int(in: 1...10_000)) { seed in
            var s = RunSpec(); s.seed = UInt64(seed); s.d = 64; s.tEnd = 3e4; s.points = 40
            s.head = .none
            let none = try solved(s)
            s.head = .diag
            let diag = try solved(s)
            for (x, y) in zip(none.samples, diag.samples) {
                #expect((x.a - y.a).maxAbs <= 1e-9 * max(1, x.a.maxAbs))
                #expect((y.e - .identity(2)).maxAbs <= 1e-12)
            }
        }
    }

    // Flipping the sign of w_j maps the trajectory by A → A D, B → D B D, E → D E D (σ is odd).
    @Test("sign flip of a neuron transforms the trajectory accordingly")
    func signFlipSymmetry() async throws {
        await propertyCheck(count: 6, input: Gen.int(in: 1...10_000), Gen.int(in: 0...1)) { seed, j in
            var s = RunSpec(); s.seed = UInt64(seed); s.d = 64; s.tEnd = 2e4; s.points = 25; s.head = .offdiag
            var p = try s.problem()
            let base = PopulationSolver().solve(p)
            var flip = Matrix.identity(2); flip[j, j] = -1
            p.start = ReducedState(a: p.start.a * flip, r: p.start.r * flip, e: flip * p.start.e * flip)
            let flipped = PopulationSolver().solve(p)
            try #require(base.status == .success && flipped.status == .success)
            for (x, y) in zip(base.samples, flipped.samples) {
                #expect((x.a * flip - y.a).maxAbs <= 1e-7)
                #expect((flip * x.b * flip - y.b).maxAbs <= 1e-7)
                #expect((flip * x.e * flip - y.e).maxAbs <= 1e-7)
            }
        }
    }

    // Permuting the neurons permutes the trajectory: A → A P, B → Pᵀ B P, E → Pᵀ E P.
    @Test("permuting neurons permutes the trajectory")
    func permutationSymmetry() async throws {
        await propertyCheck(count: 5, input: Gen.int(in: 1...10_000)) { seed in
            var s = RunSpec(); s.seed = UInt64(seed); s.d = 64; s.neurons = 3; s.tEnd = 2e4; s.points = 25
            var p = try s.problem()
            let base = PopulationSolver().solve(p)
            let perm = [2, 0, 1]
            var pm = Matrix(rows: 3, cols: 3)
            for (j, src) in perm.enumerated() { pm[src, j] = 1 }
            p.start = ReducedState(a: p.start.a * pm, r: p.start.r * pm, e: pm.transposed * p.start.e * pm)
            let permuted = PopulationSolver().solve(p)
            try #require(base.status == .success && permuted.status == .success)
            for (x, y) in zip(base.samples, permuted.samples) {
                #expect((x.a * pm - y.a).maxAbs <= 1e-7)
                #expect((pm.transposed * x.b * pm - y.b).maxAbs <= 1e-7)
                #expect((pm.transposed * x.e * pm - y.e).maxAbs <= 1e-7)
            }
        }
    }

    // A state that stops being finite is a failure carrying the time reached, not a result.
    @Test("zero output variance is reported as a failure at t = 0")
    func degenerateStartFails() throws {
        var s = canonicalSpec(head: .offdiag)
        s.initA = Matrix(rows: 2, cols: 2); s.initB = Matrix(rows: 2, cols: 2)
        let t = PopulationSolver().solve(try s.problem())
        #expect(t.status == .failed(.nonFinite(time: 0)))
    }

    // Same spec and seed → identical trajectory; another seed → a different start.
    @Test("reproducible from the seed")
    func reproducible() throws {
        var s = RunSpec(); s.seed = 42; s.tEnd = 5000; s.points = 20
        let x = try solved(s), y = try solved(s)
        #expect(zip(x.samples, y.samples).allSatisfy { $0.state == $1.state })
        s.seed = 43
        let z = try solved(s)
        #expect(z.samples[0].state != x.samples[0].state)
    }
}
