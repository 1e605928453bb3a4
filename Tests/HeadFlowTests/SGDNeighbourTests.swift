import Testing
import RealModule
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// The neighbouring mechanisms in SGD: the EMA target, stop-gradient off, the
/// DirectPred head and the ranks of `train`'s samples.
@Suite("SGD neighbours (EMA target, stop-gradient off, DirectPred, ranks)")
struct SGDNeighbourTests {
    static func problem(d: Int = 10, batch: Int = 8, lr: Double = 0.5, steps: Int = 1, seed: UInt64 = 1,
                        head: HeadKind = .full, data: DataSupply = .online) -> TrainingProblem {
        let model = DataModel(dimension: d, patches: 8, featurePatches: 2, alpha: [1.5, 1.0], noise: 1.0)
        let start = ReducedState(a: Matrix([[0.5, 0.2], [0.1, 0.4]]), r: Matrix([[0.6, 0.1], [0, 0.5]]),
                                 e: Matrix([[1, 0.2], [0.1, 1]]))
        return TrainingProblem(model: model, head: head, start: start, lr: lr, lrE: lr, batch: batch, steps: steps,
                               data: data, dataSeed: seed)
    }

    static func flat(_ t: Trajectory) -> [Double] {
        t.samples.flatMap { $0.a.storage + $0.b.storage + $0.e.storage + [$0.loss] }
    }

    // MARK: - EMA target

    /// `τ = lr` makes `W_tg ← 0·W_tg + 1·W = W` exactly: the run is `same`, bit for bit (full sampler).
    @Test("EMA with τ = lr is the target same, bit for bit (full sampler, online and fixed data)",
          arguments: [DataSupply.online, .fixed(samples: 24)])
    func emaAtLrIsSame(data: DataSupply) {
        var same = Self.problem(lr: 0.1, steps: 6, data: data)
        same.sampling = .linear(points: 7)
        var ema = same
        ema.model.target = .ema; ema.model.emaTau = 0.1
        let x = SGDSolver(sampler: .full).solve(same), y = SGDSolver(sampler: .full).solve(ema)
        #expect(x.status == .success && y.status == .success)
        #expect(Self.flat(x) == Self.flat(y))
        // Negative control: τ = 2 lr moves the target half-way and changes the run.
        ema.model.emaTau = 0.2
        #expect(Self.flat(SGDSolver(sampler: .full).solve(ema)) != Self.flat(x))
    }

    /// One step of the update `W_tg ← W_tg + (lr/τ)(W − W_tg)` from `W_tg = W(0)`: `A_tg = (1 − c)A(0) + c A(1)`.
    @Test("the EMA target moves by c = lr/τ toward the online weights (both samplers)", arguments: SGDSampler.allCases)
    func emaCoefficient(sampler: SGDSampler) throws {
        var p = Self.problem(lr: 0.1)
        p.model.target = .ema; p.model.emaTau = 0.4
        let stepper: SGDStepper = sampler == .full ? SGDFullSampler(problem: p) : SGDProjectedNeighbourSampler(problem: p)
        _ = try stepper.step()
        let online = stepper.reducedState(), target = try #require(stepper.targetState())
        let c = 0.25
        for i in 0..<4 {
            let expected = (1 - c) * p.start.a.storage[i] + c * online.a.storage[i]
            #expect(abs(target.a.storage[i] - expected) < 1e-14, "A_tg[\(i)] \(target.a.storage[i]) vs \(expected)")
        }
        #expect(online.a != p.start.a)
        // Full sampler: B_tg = W_tg⊥ᵀW_tg⊥ with W_tg⊥ = (1 − c)W⊥(0) + cW⊥(1) from the weights themselves.
        if let full = stepper as? SGDFullSampler {
            let w1 = full.weights
            var w0 = Matrix(rows: 10, cols: 2)
            for i in 0..<4 { w0.storage[i] = p.start.a.storage[i] }
            for q in 0..<2 { for j in 0..<2 { w0[2 + q, j] = p.start.r[q, j] } }
            var perp = Matrix(rows: 8, cols: 2)
            for q in 0..<8 { for j in 0..<2 { perp[q, j] = (1 - c) * w0[2 + q, j] + c * w1[2 + q, j] } }
            let b = perp.transposed * perp
            #expect((b - target.b).frobeniusNorm < 1e-12)
        }
    }

    /// A frozen target (`τ` huge) stays at the start; the online state moves.
    @Test("a huge τ freezes the target at the start (projected sampler)")
    func hugeTauFreezes() throws {
        var p = Self.problem(lr: 0.1, steps: 3)
        p.model.target = .ema; p.model.emaTau = 1e12
        let stepper = SGDProjectedNeighbourSampler(problem: p)
        for _ in 0..<3 { _ = try stepper.step() }
        let t = try #require(stepper.targetState())
        #expect((t.a - p.start.a).frobeniusNorm < 1e-9 && (t.b - p.start.b).frobeniusNorm < 1e-9)
        #expect((stepper.reducedState().b - p.start.b).frobeniusNorm > 1e-3)
    }

    /// `(A, B, A_tg, B_tg, RᵀR_tg)` after three steps: the projected sampler's joint 2m-column basis
    /// gives the full sampler's law (means and covariances within 5 two-sample standard errors).
    @Test("EMA: projected and full samplers agree in law after three steps (d = 10)")
    func emaSamplersAgree() throws {
        func draws(_ sampler: SGDSampler, tau: Double, offset: UInt64) throws -> [[Double]] {
            try (0..<1500).map { i in
                var p = Self.problem(lr: 0.3, steps: 3, seed: offset + UInt64(i))
                p.model.target = .ema; p.model.emaTau = tau
                let stepper: SGDStepper
                let cross: () -> Matrix
                if sampler == .full { let s = SGDFullSampler(problem: p); stepper = s; cross = { s.crossGram } }
                else { let s = SGDProjectedNeighbourSampler(problem: p); stepper = s; cross = { s.crossGram } }
                for _ in 0..<3 { _ = try stepper.step() }
                let s = stepper.reducedState(), t = try #require(stepper.targetState()), g = cross()
                return s.a.storage + [s.b[0, 0], s.b[0, 1], s.b[1, 1]] + t.a.storage + [t.b[0, 0], t.b[0, 1], t.b[1, 1]] + g.storage
            }
        }
        let full = try draws(.full, tau: 0.6, offset: 1), projected = try draws(.projected, tau: 0.6, offset: 50_001)
        let z = SGDSamplerTests.largestZ(full, projected)
        #expect(z.mean < 5, "largest z of the means: \(z.mean)")
        #expect(z.covariance < 5, "largest z of the covariances: \(z.covariance)")
        // Negative control: a target that follows faster (τ = lr) is seen.
        let wrong = try draws(.projected, tau: 0.3, offset: 90_001)
        #expect(SGDSamplerTests.largestZ(full, wrong).mean > 5)
    }

    // MARK: - Stop-gradient off

    /// Central differences of the loss with the target at the *moving* weights match `∂L/∂W`
    /// with stop-gradient off (through `G` and its BN mean and variance).
    @Test("stop-gradient off: ∂L/∂W equals central finite differences of the full loss",
          arguments: [(UInt64(1), 2, 0.0), (UInt64(3), 3, 0.0), (UInt64(4), 2, 1e-2)])
    func stopGradOffFiniteDifferences(seed: UInt64, neurons m: Int, epsilon: Double) throws {
        let model = BatchObjectiveTests.small
        let source = RandomSource(seed: seed)
        let batch = SampleGenerator(model: model, source: source).batch(12)
        let w = source.gaussianMatrix(rows: model.dimension, cols: m, sigma: 0.6)
        let e = Matrix.identity(m) + source.gaussianMatrix(rows: m, cols: m, sigma: 0.3)
        let objective = BatchObjective(epsilon: epsilon)
        let ev = try objective.evaluate(batch, weights: w, head: e, stopGradient: .off)
        let on = try objective.evaluate(batch, weights: w, head: e)
        let h = 1e-5
        var largestGap = 0.0
        for idx in 0..<w.storage.count {
            var wp = w, wm = w
            wp.storage[idx] += h; wm.storage[idx] -= h
            let fd = (try objective.evaluate(batch, weights: wp, head: e).loss - objective.evaluate(batch, weights: wm, head: e).loss) / (2 * h)
            #expect(abs(fd - ev.gradW.storage[idx]) <= 1e-6 * max(1, abs(fd)), "∂L/∂W[\(idx / m), \(idx % m)]: analytic \(ev.gradW.storage[idx]), fd \(fd)")
            largestGap = max(largestGap, abs(fd - on.gradW.storage[idx]))
        }
        #expect(largestGap > 1e-3, "the stop-gradient gradient should differ from the full derivative")
        #expect(ev.gradE == on.gradE && ev.loss == on.loss)
    }

    /// For large `N` the batch gradient with stop-gradient off tends to the population one
    /// (`PopulationObjective` with `stopGradient = false`), within 5 standard errors + 2/N.
    @Test("stop-gradient off: the large-batch gradient agrees with the population")
    func stopGradOffLargeBatch() throws {
        let model = DataModel(dimension: 6, patches: 6, featurePatches: 3, alpha: [1.5, 1.0], noise: 0.8)
        let k = 2, m = 2, d = model.dimension, n = 10_000, replicates = 8
        var w = Matrix(rows: d, cols: m)
        let a = Matrix([[0.7, 0.25], [0.2, 0.6]])
        for l in 0..<k { for j in 0..<m { w[l, j] = a[l, j] } }
        let noisePart = RandomSource(seed: 11).gaussianMatrix(rows: d - k, cols: m, sigma: 0.35)
        for r in 0..<(d - k) { for j in 0..<m { w[k + r, j] = noisePart[r, j] } }
        let e = Matrix([[1.0, 0.3], [-0.2, 1.0]])
        let state = ReducedState(a: a, r: LinearAlgebra.gramFactor(noisePart.transposed * noisePart)!, e: e)
        var objective = PopulationObjective(model: model, neurons: m)
        objective.stopGradient = false
        let pop = objective.evaluate(online: state)
        let gradB2 = noisePart * pop.gradB
        var popW = Matrix(rows: d, cols: m)
        for l in 0..<k { for j in 0..<m { popW[l, j] = pop.gradA[l, j] } }
        for r in 0..<(d - k) { for j in 0..<m { popW[k + r, j] = 2 * gradB2[r, j] } }
        let generator = SampleGenerator(model: model, source: RandomSource(seed: 12))
        var runs: [[Double]] = []
        for _ in 0..<replicates {
            runs.append(try BatchObjective().evaluate(generator.batch(n), weights: w, head: e, stopGradient: .off).gradW.storage)
        }
        var worst = 0.0, control = 0.0
        let stopped = PopulationObjective(model: model, neurons: m).evaluate(online: state).gradA
        for q in 0..<popW.storage.count {
            let xs = runs.map { $0[q] }
            let mean = xs.reduce(0, +) / Double(replicates)
            let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(replicates - 1)).squareRoot()
            let se = sd / Double(replicates).squareRoot()
            #expect(abs(mean - popW.storage[q]) <= 5 * se + 2 / Double(n), "entry \(q): batch \(mean) ± \(se), population \(popW.storage[q])")
            worst = max(worst, se)
            if q < k * m { control = max(control, abs(mean - stopped.storage[q]) / (se + 1e-12)) }
        }
        // Negative control: the stop-gradient population gradient along V is many SE away.
        #expect(control > 10, "stop-gradient control only \(control) SE away")
    }

    /// One step with stop-gradient off: projected and full samplers agree in law.
    @Test("stop-gradient off: projected and full samplers agree in law after one step (d = 10)")
    func stopGradOffSamplersAgree() throws {
        func draws(_ sampler: SGDSampler, rule: StopGradientRule, offset: UInt64) throws -> [[Double]] {
            try (0..<2000).map { i in
                var p = Self.problem(lr: 0.5, seed: offset + UInt64(i))
                p.model.stopGradient = rule
                let stepper: SGDStepper = sampler == .full ? SGDFullSampler(problem: p) : SGDProjectedNeighbourSampler(problem: p)
                _ = try stepper.step()
                let s = stepper.reducedState()
                return s.a.storage + [s.b[0, 0], s.b[0, 1], s.b[1, 1]] + s.e.storage
            }
        }
        let full = try draws(.full, rule: .off, offset: 1), projected = try draws(.projected, rule: .off, offset: 50_001)
        let z = SGDSamplerTests.largestZ(full, projected)
        #expect(z.mean < 5, "largest z of the means: \(z.mean)")
        #expect(z.covariance < 5, "largest z of the covariances: \(z.covariance)")
        // Negative control: the stop-gradient step is seen.
        #expect(SGDSamplerTests.largestZ(full, try draws(.projected, rule: .on, offset: 90_001)).mean > 5)
    }

    // MARK: - DirectPred head

    /// `Ŝ ← ρŜ + (1 − ρ) fᵀf/N` from `Ŝ(0) = 0`, and `E` is the population rule on `Ŝ`.
    @Test("the running second moment and the head it sets")
    func runningSecondMoment() throws {
        var head = SpectralHeadEstimate(rule: DirectPredHead(epsilon: 0.1), rho: 0.3, neurons: 2)
        let f1 = Matrix([[1, 2], [3, -1], [0, 1]]), f2 = Matrix([[2, 0], [-1, 1]])
        _ = try head.update(outputs: f1)
        let e = try head.update(outputs: f2)
        let expected = 0.3 * 0.7 * (1.0 / 3) * (f1.transposed * f1) + 0.7 * 0.5 * (f2.transposed * f2)
        #expect((head.secondMoment - expected).frobeniusNorm < 1e-14)
        #expect((e - DirectPredHead(epsilon: 0.1).head(secondMoment: expected)).frobeniusNorm < 1e-14)
    }

    /// With a large batch and a tiny step the SGD head is the population DirectPred head at the state.
    @Test("large N: the SGD DirectPred head matches the population head at the state",
          arguments: [(HeadKind.directpred, DirectPredHead.Source.raw), (.directcopy, .normalized)])
    func directPredMatchesPopulation(head: HeadKind, source: DirectPredHead.Source) throws {
        var p = Self.problem(d: 6, batch: 40_000, lr: 1e-9, steps: 4, head: head)
        p.start.a = Matrix([[0.9, 0.5], [0.3, 0.8]])
        let rule = DirectPredHead(epsilon: 0.1, source: source, exponent: head.spectralExponent!)
        p.model.directPred = rule
        let stepper = SGDProjectedNeighbourSampler(problem: p, threads: 2)
        let population = rule.head(secondMoment: PopulationMoments(model: p.model.data, a: p.start.a, b: p.start.b).same)
        #expect((stepper.reducedState().e - population).frobeniusNorm < 1e-12, "E(0) is the population head")
        for _ in 0..<4 { _ = try stepper.step() }
        let e = stepper.reducedState().e
        #expect((e - population).frobeniusNorm < 0.02, "SGD \(e) vs population \(population)")
        // Negative control: the other exponent gives a head far from this one.
        let other = DirectPredHead(epsilon: 0.1, source: source, exponent: 1.5 - rule.exponent)
        let wrong = other.head(secondMoment: PopulationMoments(model: p.model.data, a: p.start.a, b: p.start.b).same)
        #expect((e - wrong).frobeniusNorm > 0.05)
    }

    // MARK: - Ranks and the command line

    /// Population ranks at the recorded state; batch ranks from the step's batch (NaN at step 0);
    /// at large `N` and a tiny step the batch estimate is close to the population value.
    @Test("train samples carry population and batch ranks")
    func ranks() throws {
        var p = Self.problem(d: 6, batch: 20_000, lr: 1e-9, steps: 2)
        p.start.a = Matrix([[0.9, 0.5], [0.3, 0.8]])
        let t = SGDSolver(sampler: .projected, threads: 2).solve(p)
        let first = t.samples[0], last = t.final
        #expect(first.batchOutputRank?.erank.isNaN == true)
        let pop = RepresentationRank.ofOutputs(model: p.model.data, state: last.state)
        #expect(last.outputRank == pop.f && last.headRank == pop.headed)
        let batch = try #require(last.batchOutputRank), batchF = try #require(last.batchHeadRank)
        #expect(abs(batch.erank - pop.f.erank) < 0.02 && abs(batch.rankMe - pop.f.rankMe) < 0.02, "\(batch) vs \(pop.f)")
        #expect(abs(batchF.erank - pop.headed.erank) < 0.02, "\(batchF) vs \(pop.headed)")
        #expect(pop.f.erank < 1.95 && pop.f.erank > 1.05, "a start whose ranks are informative: \(pop.f.erank)")
        let names = last.rankColumns.map(\.0)
        #expect(names == ["erank_f", "rankme_f", "erank_F", "rankme_F", "erank_f_batch", "rankme_f_batch", "erank_F_batch", "rankme_F_batch"])
    }

    @Test("train: the neighbours run; bad combinations are one line, exit 64", arguments: [
        (["--target", "ema", "--ema-tau", "0.01"], "--ema-tau must be a finite τ ≥ lr = 0.05"),
        (["--target", "ema", "--stop-grad", "off"], "--stop-grad must be on with --target ema"),
        (["--target", "ema", "--sampler", "projected", "--d", "5"], "--d must be an integer ≥ k + 2m = 6"),
        (["--head", "directpred", "--dp-rho", "1"], "--dp-rho must be in [0, 1)"),
    ])
    func cli(args: [String], message: String) throws {
        let base = ["train", "--steps", "3", "--batch", "64", "--lr", "0.05", "--quiet"]
        let bad = try runHeadflow(base + args)
        #expect(bad.code == 64 && bad.out.isEmpty && bad.err.split(separator: "\n").count == 1 && bad.err.contains(message), "\(bad)")
        let ok = try runHeadflow(base + ["--d", "8", "--format", "csv", args[0], args[1]])
        #expect(ok.code == 0, "\(ok.err)")
        #expect(ok.out.split(separator: "\n").first?.hasSuffix("erank_F_batch,rankme_F_batch") == true)
    }
}
