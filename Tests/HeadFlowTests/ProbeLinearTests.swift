import Testing
@testable import HeadFlowNumerics

/// Gaussian rows from GSL's generator: `n` rows around `means[label]` with noise `sigma`, labels cycling.
func gaussianClasses(_ n: Int, means: [[Double]], sigma: Double, seed: UInt64) -> (x: Matrix, labels: [Int]) {
    let source = RandomSource(seed: seed)
    let m = means[0].count
    var x = Matrix(rows: n, cols: m)
    let labels = (0..<n).map { $0 % means.count }
    for i in 0..<n { for j in 0..<m { x[i, j] = means[labels[i]][j] + source.gaussian(sigma: sigma) } }
    return (x, labels)
}

/// True when two probe results have the same bits (`==` on the results is false whenever a λ was not
/// fitted: its held-out accuracy is NaN).
func identical(_ a: LinearProbeResult, _ b: LinearProbeResult) -> Bool {
    a.heldOutAccuracy.map(\.bitPattern) == b.heldOutAccuracy.map(\.bitPattern) && a.accuracy.bitPattern == b.accuracy.bitPattern
        && a.penalty == b.penalty && a.fit == b.fit && a.model == b.model && a.standardiser == b.standardiser
}

/// The linear probe (issue 20, point 4): GSL's BFGS, the penalised cross-entropy and its gradient,
/// and the probe's accuracy on problems whose answer is known.
@Suite("Probes: BFGS, softmax regression and the linear probe")
struct ProbeLinearTests {
    @Test("BFGS (GSL vector_bfgs2) finds Rosenbrock's minimum (1, 1) and reports convergence")
    func rosenbrock() {
        let result = BFGSMinimizer(gradientTolerance: 1e-6).minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            if let g { g[0] = -2 * a - 400 * x[0] * b; g[1] = 200 * b }
            return a * a + 100 * b * b
        }
        #expect(result.status == .converged)
        #expect(abs(result.x[0] - 1) < 1e-5 && abs(result.x[1] - 1) < 1e-5)
        #expect(result.value < 1e-10 && result.iterations > 5 && result.gradientNorm < 1e-6)
        // A tolerance below rounding: the line search stops making progress, with x at the minimum.
        let tight = BFGSMinimizer(gradientTolerance: 1e-30).minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            if let g { g[0] = -2 * a - 400 * x[0] * b; g[1] = 200 * b }
            return a * a + 100 * b * b
        }
        #expect(tight.status == .noProgress || tight.status == .converged)
        #expect(abs(tight.x[0] - 1) < 1e-6 && abs(tight.x[1] - 1) < 1e-6)
        let capped = BFGSMinimizer(maxIterations: 3).minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            if let g { g[0] = -2 * a - 400 * x[0] * b; g[1] = 200 * b }
            return a * a + 100 * b * b
        }
        #expect(capped.status == .iterationLimit && capped.iterations == 3)
    }

    @Test("BFGS: a non-finite objective is a .failed status, not a crash")
    func nonFinite() {
        let result = BFGSMinimizer().minimize(from: [0]) { _, g in g?[0] = .nan; return .nan }
        guard case .failed = result.status else { Issue.record("status \(result.status)"); return }
        #expect(result.x == [0])
    }

    @Test("the cross-entropy's analytic gradient matches central differences")
    func gradient() {
        let (x, labels) = gaussianClasses(60, means: [[0, 0, 0, 0], [1, 0, -1, 0.5], [0, 2, 0, -1]], sigma: 1, seed: 5)
        let source = RandomSource(seed: 9)
        let theta = (0..<(3 * 5)).map { _ in source.gaussian(sigma: 0.7) }
        for threads in [1, 2] {
            let objective = SoftmaxObjective(x, labels: labels, classes: 3, penalty: 0.3, threads: threads)
            var g = [Double](repeating: 0, count: theta.count)
            let f = theta.withUnsafeBufferPointer { t in g.withUnsafeMutableBufferPointer { objective.evaluate(t, gradient: $0) } }
            let value = theta.withUnsafeBufferPointer { objective.evaluate($0, gradient: nil) }
            #expect(f == value)
            for i in theta.indices {
                let h = 1e-5
                var plus = theta, minus = theta
                plus[i] += h; minus[i] -= h
                let fd = (plus.withUnsafeBufferPointer { objective.evaluate($0, gradient: nil) }
                    - minus.withUnsafeBufferPointer { objective.evaluate($0, gradient: nil) }) / (2 * h)
                #expect(abs(fd - g[i]) < 1e-8 * max(1, abs(g[i])), "component \(i): analytic \(g[i]), differences \(fd)")
            }
        }
    }

    @Test("separable classes: the probe's test accuracy is 1")
    func separable() {
        let means: [[Double]] = [[6, 0, 0], [0, 6, 0], [0, 0, 6], [-6, -6, 0]]
        let train = gaussianClasses(400, means: means, sigma: 0.5, seed: 1), test = gaussianClasses(200, means: means, sigma: 0.5, seed: 2)
        let result = LinearProbe(threads: 2, stopsEarly: false)
            .evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(result.accuracy == 1)
        #expect(result.heldOutAccuracy.count == LinearProbe.defaultPenalties.count)
        #expect(LinearProbe.defaultPenalties.contains(result.penalty))
        // Every λ sees every class in the held-out tenth (an i mod 10 split held out class 3 alone: accuracy 0).
        #expect(result.heldOutAccuracy.allSatisfy { $0 > 0.5 }, "\(result.heldOutAccuracy)")
        #expect(result.heldOutAccuracy.max() == 1, "\(result.heldOutAccuracy)")
    }

    @Test("two Gaussian classes N(±μ, I): the fitted weights are the posterior's, w₁ − w₀ = 2μ, b₁ − b₀ = 0")
    func twoGaussians() {
        let mu = [1.0, 0.5]
        let (x, labels) = gaussianClasses(40_000, means: [mu.map { -$0 }, mu], sigma: 1, seed: 3)
        let (model, result) = SoftmaxRegression.fit(x, labels: labels, classes: 2, penalty: 0,
                                                    minimizer: BFGSMinimizer(gradientTolerance: 1e-7), threads: 2)
        #expect(result.status == .converged || (result.status == .noProgress && result.gradientNorm < 1e-6))
        let p = model.parameters  // [w0 (2), b0, w1 (2), b1]
        // Standard error of each coefficient ≈ 1/sqrt(N·var) ≈ 0.01: allow 5 of them.
        #expect(abs((p[3] - p[0]) - 2 * mu[0]) < 0.05)
        #expect(abs((p[4] - p[1]) - 2 * mu[1]) < 0.05)
        #expect(abs(p[5] - p[2]) < 0.05)
        // From a zero start the iterates stay in the gradients' span: w₀ = −w₁.
        #expect(abs(p[0] + p[3]) < 1e-9 && abs(p[2] + p[5]) < 1e-9)
    }

    @Test("the probe gives the same bits on 1 and 2 threads; a stronger penalty shrinks the weights")
    func threadsAndPenalty() {
        let means: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
        let train = gaussianClasses(900, means: means, sigma: 1, seed: 7), test = gaussianClasses(300, means: means, sigma: 1, seed: 8)
        let one = LinearProbe(threads: 1).evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        let two = LinearProbe(threads: 2).evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(identical(one, two))
        #expect(!one.heldOutAccuracy.contains { $0.isNaN }, "the default fits every λ of the grid: \(one.heldOutAccuracy)")
        let early = LinearProbe(threads: 2, stopsEarly: true).evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(early.heldOutAccuracy.contains { $0.isNaN }, "the early stop left no λ out: \(early.heldOutAccuracy)")
        #expect(one.accuracy > 0.6 && one.accuracy < 0.95)
        let x = FeatureStandardiser(fitting: train.x).apply(train.x)
        let norm = { (lambda: Double) in
            SoftmaxRegression.fit(x, labels: train.labels, classes: 3, penalty: lambda, minimizer: BFGSMinimizer())
                .model.parameters.enumerated().filter { $0.offset % 5 != 4 }.reduce(0) { $0 + $1.element * $1.element }
        }
        #expect(norm(1) < norm(0.01))
    }

    @Test("the held-out tenth: ⌊N/10⌋ distinct rows, the same on every call, every class of cycling labels in it")
    func heldOut() {
        let held = LinearProbe.heldOutRows(1_000)
        #expect(held.count == 100 && Set(held).count == 100 && held == held.sorted() && held.allSatisfy { (0..<1_000).contains($0) })
        #expect(LinearProbe.heldOutRows(1_000) == held)
        #expect(Set(held.map { $0 % 10 }).count == 10)
        #expect(LinearProbe.heldOutRows(9).isEmpty && LinearProbe.heldOutRows(10).count == 1)
    }

    @Test("standardisation: training columns get mean 0, sd 1; a constant column maps to 0")
    func standardiser() {
        let x = Matrix([[1, 5, 2], [3, 5, 4], [5, 5, 9]])
        let s = FeatureStandardiser(fitting: x)
        let z = s.apply(x)
        #expect(s.scale[1] == 1 && (0..<3).allSatisfy { z[$0, 1] == 0 })
        for j in [0, 2] {
            let col = z.column(j)
            #expect(abs(col.reduce(0, +)) < 1e-12)
            #expect(abs(col.reduce(0) { $0 + $1 * $1 } / 3 - 1) < 1e-12)
        }
    }
}
