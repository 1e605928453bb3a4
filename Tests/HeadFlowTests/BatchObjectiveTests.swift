import Testing
import RealModule
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// The finite-batch loss of docs/MODEL.md §2 and its analytic gradient.
@Suite("Batch objective (BN loss, stop-gradient)")
struct BatchObjectiveTests {
    static let small = DataModel(dimension: 5, patches: 4, featurePatches: 2, alpha: [1.5, 1.0], noise: 1.0)

    /// `L(W', E')` with the target held at `W` (what the stop-gradient gradient differentiates).
    static func loss(_ objective: BatchObjective, _ batch: SampleBatch, _ w: Matrix, _ e: Matrix, target: Matrix) throws -> Double {
        try objective.evaluate(batch, weights: w, head: e, targetWeights: target).loss
    }

    /// Central differences of every entry of `W` and `E` match the analytic gradient.
    @Test("∂L/∂W and ∂L/∂E equal central finite differences (target held fixed)",
          arguments: [(UInt64(1), 2, 0.0), (UInt64(2), 2, 0.0), (UInt64(3), 3, 0.0), (UInt64(4), 2, 1e-2)])
    func gradientMatchesFiniteDifferences(seed: UInt64, neurons m: Int, epsilon: Double) throws {
        let source = RandomSource(seed: seed)
        let batch = SampleGenerator(model: Self.small, source: source).batch(12)
        let w = source.gaussianMatrix(rows: Self.small.dimension, cols: m, sigma: 0.6)
        let e = Matrix.identity(m) + source.gaussianMatrix(rows: m, cols: m, sigma: 0.3)
        let objective = BatchObjective(epsilon: epsilon)
        let ev = try objective.evaluate(batch, weights: w, head: e)
        let h = 1e-5
        for idx in 0..<w.storage.count {
            var wp = w, wm = w
            wp.storage[idx] += h; wm.storage[idx] -= h
            let fd = (try Self.loss(objective, batch, wp, e, target: w) - Self.loss(objective, batch, wm, e, target: w)) / (2 * h)
            #expect(abs(fd - ev.gradW.storage[idx]) <= 1e-6 * max(1, abs(fd)), "∂L/∂W[\(idx / m), \(idx % m)]: analytic \(ev.gradW.storage[idx]), fd \(fd)")
        }
        for idx in 0..<e.storage.count {
            var ep = e, em = e
            ep.storage[idx] += h; em.storage[idx] -= h
            let fd = (try Self.loss(objective, batch, w, ep, target: w) - Self.loss(objective, batch, w, em, target: w)) / (2 * h)
            #expect(abs(fd - ev.gradE.storage[idx]) <= 1e-6 * max(1, abs(fd)), "∂L/∂E[\(idx / m), \(idx % m)]: analytic \(ev.gradE.storage[idx]), fd \(fd)")
        }
    }

    /// With ε = 0, `(1/N) Σ_i ‖F̂_i − Ĝ_i‖² = Σ_j 2(1 − ρ̂_j)`, ρ̂ the Pearson correlation over the batch.
    @Test("batch loss equals Σ_j 2(1 − ρ̂_j) with ρ̂ the batch correlation", arguments: [UInt64(5), 6, 7])
    func lossIsTwiceOneMinusCorrelation(seed: UInt64) throws {
        let source = RandomSource(seed: seed)
        let batch = SampleGenerator(model: Self.small, source: source).batch(40)
        let w = source.gaussianMatrix(rows: 5, cols: 2, sigma: 0.7)
        let e = Matrix.identity(2) + source.gaussianMatrix(rows: 2, cols: 2, sigma: 0.5)
        let ev = try BatchObjective().evaluate(batch, weights: w, head: e)
        let f1 = Network.outputs(batch.view1, patches: 4, weights: w), f2 = Network.outputs(batch.view2, patches: 4, weights: w)
        let online = LinearAlgebra.gemm(f1, e, transB: true)
        var expected = 0.0
        for j in 0..<2 {
            let rho = pearson(online.column(j), f2.column(j))
            #expect(abs(rho - ev.correlations[j]) < 1e-12)
            expected += 2 * (1 - rho)
        }
        #expect(abs(ev.loss - expected) < 1e-12 * max(1, expected))
    }

    /// A batch in which one output never varies is refused, naming the coordinate.
    @Test("zero BN variance throws, naming branch and coordinate")
    func zeroVarianceThrows() {
        let source = RandomSource(seed: 9)
        let batch = SampleGenerator(model: Self.small, source: source).batch(10)
        var w = source.gaussianMatrix(rows: 5, cols: 2, sigma: 0.7)
        for r in 0..<5 { w[r, 1] = 0 }   // f_2 ≡ 0 on every sample
        #expect(throws: DegenerateBatch.zeroVariance(branch: .online, coordinate: 2, variance: 0)) {
            try BatchObjective().evaluate(batch, weights: w, head: .identity(2))
        }
        // With the head mixing neuron 1 into output 2, the online branch is fine; the target is not.
        var e = Matrix.identity(2); e[1, 0] = 0.5
        #expect(throws: DegenerateBatch.zeroVariance(branch: .target, coordinate: 2, variance: 0)) {
            try BatchObjective().evaluate(batch, weights: w, head: e)
        }
        // ε > 0 makes the same batch well defined.
        #expect(throws: Never.self) { try BatchObjective(epsilon: 1e-6).evaluate(batch, weights: w, head: e) }
    }

    /// `ε` must be finite and ≥ 0: 0 and small positive values pass, negative and non-finite ones are refused.
    @Test("BN ε: 0 and ε > 0 are valid, ε < 0 and non-finite ε are not")
    func epsilonValidation() {
        for ok in [0, 1e-9, 0.5, 3] { #expect(throws: Never.self) { try BatchNormLoss(epsilon: ok).validate() } }
        for bad in [-1e-9, -1, .nan, .infinity] {
            #expect(throws: ParameterError.self) { try BatchNormLoss(epsilon: bad).validate() }
        }
        #expect(BatchNormLoss().epsilon == 0 && BatchObjective().loss.epsilon == 0)
    }

    /// For `N → ∞` the batch loss and gradient tend to the population ones (PopulationObjective at
    /// `A = VᵀW`, `B = WᵀΠW`; `∂L/∂W = V ∂L/∂A + 2ΠW ∂L/∂B`).
    ///
    /// Tolerance: the batch quantities are smooth functions of batch means, so over `R` independent
    /// batches of size `N` their mean differs from the population value by Monte-Carlo error
    /// `SE = sd/√R` plus a bias `O(1/N)`. We require `|mean − population| ≤ 5·SE + 2/N` per entry
    /// (with `R = 10`, `P(|t_9| > 5) ≈ 7e-4` per entry; `2/N = 1e-4` bounds the BN bias, far below
    /// the SE of 2e-4…2e-2 observed here). A wrong population formula moves entries by many SE.
    @Test("large-batch loss and gradient agree with the population within 5 standard errors")
    func largeBatchMatchesPopulation() throws {
        let model = DataModel(dimension: 6, patches: 6, featurePatches: 3, alpha: [1.5, 1.0], noise: 0.8)
        let k = 2, m = 2, d = model.dimension, n = 20_000, replicates = 10
        var w = Matrix(rows: d, cols: m)
        let a = Matrix([[0.7, 0.25], [0.2, 0.6]])
        for l in 0..<k { for j in 0..<m { w[l, j] = a[l, j] } }
        let noisePart = RandomSource(seed: 11).gaussianMatrix(rows: d - k, cols: m, sigma: 0.35)
        for r in 0..<(d - k) { for j in 0..<m { w[k + r, j] = noisePart[r, j] } }
        let e = Matrix([[1.0, 0.3], [-0.2, 1.0]])
        // Population at A = VᵀW, B = WᵀΠW.
        let b = LinearAlgebra.gemm(noisePart, noisePart, transA: true)
        let state = ReducedState(a: a, r: LinearAlgebra.gramFactor(b)!, e: e)
        let pop = PopulationObjective(model: model, neurons: m).evaluate(online: state)
        let gradB2 = LinearAlgebra.gemm(noisePart, pop.gradB)   // ΠW ∂L/∂B (rows k…d−1)
        var popW = Matrix(rows: d, cols: m)
        for l in 0..<k { for j in 0..<m { popW[l, j] = pop.gradA[l, j] } }
        for r in 0..<(d - k) { for j in 0..<m { popW[k + r, j] = 2 * gradB2[r, j] } }
        let expected = [pop.loss] + popW.storage + pop.gradE.storage
        // R independent batches.
        let generator = SampleGenerator(model: model, source: RandomSource(seed: 12))
        var runs: [[Double]] = []
        for _ in 0..<replicates {
            let ev = try BatchObjective().evaluate(generator.batch(n), weights: w, head: e)
            runs.append([ev.loss] + ev.gradW.storage + ev.gradE.storage)
        }
        for q in 0..<expected.count {
            let xs = runs.map { $0[q] }
            let mean = xs.reduce(0, +) / Double(replicates)
            let sd = (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(replicates - 1)).squareRoot()
            let se = sd / Double(replicates).squareRoot()
            #expect(abs(mean - expected[q]) <= 5 * se + 2 / Double(n),
                    "quantity \(q): batch mean \(mean) ± \(se), population \(expected[q])")
        }
    }
}

/// The Pearson correlation of two equally long samples.
func pearson(_ x: [Double], _ y: [Double]) -> Double {
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (u, v) in zip(x, y) { sxy += (u - mx) * (v - my); sxx += (u - mx) * (u - mx); syy += (v - my) * (v - my) }
    return sxy / (sxx * syy).squareRoot()
}
