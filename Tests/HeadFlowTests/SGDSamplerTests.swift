import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics

/// The projected sampler is the full one in law: one step and whole trajectories.
@Suite("SGD samplers: projected = full in distribution")
struct SGDSamplerTests {
    static func problem(d: Int, batch: Int = 8, lr: Double = 0.5, steps: Int = 1, seed: UInt64 = 1,
                        head: HeadKind = .full) -> TrainingProblem {
        let model = DataModel(dimension: d, patches: 8, featurePatches: 2, alpha: [1.5, 1.0], noise: 1.0)
        let start = ReducedState(a: Matrix([[0.5, 0.2], [0.1, 0.4]]), r: Matrix([[0.6, 0.1], [0, 0.5]]),
                                 e: Matrix([[1, 0.2], [0.1, 1]]))
        return TrainingProblem(model: model, head: head, start: start, lr: lr, lrE: lr, batch: batch, steps: steps,
                               dataSeed: seed)
    }

    /// `(A', B' upper triangle, E')` after one step from the fixed start.
    static func oneStep(_ sampler: SGDSampler, d: Int, seed: UInt64) throws -> [Double] {
        let p = problem(d: d, seed: seed)
        let stepper: SGDStepper = sampler == .full ? SGDFullSampler(problem: p) : SGDProjectedSampler(problem: p)
        _ = try stepper.step()
        let s = stepper.reducedState(), b = s.b
        return s.a.storage + [b[0, 0], b[0, 1], b[1, 1]] + s.e.storage
    }

    static func draws(_ sampler: SGDSampler, d: Int, count: Int, seedOffset: UInt64) throws -> [[Double]] {
        try (0..<count).map { try oneStep(sampler, d: d, seed: seedOffset + UInt64($0)) }
    }

    /// Largest two-sample z-score over the means and over the covariance entries of two samples of vectors.
    static func largestZ(_ x: [[Double]], _ y: [[Double]]) -> (mean: Double, covariance: Double) {
        let q = x[0].count
        func stats(_ s: [[Double]]) -> (mean: [Double], cov: [[Double]], covVar: [[Double]]) {
            let n = Double(s.count)
            let mean = (0..<q).map { i in s.reduce(0) { $0 + $1[i] } / n }
            var cov = Array(repeating: Array(repeating: 0.0, count: q), count: q), covVar = cov
            for i in 0..<q { for j in i..<q {
                let prods = s.map { ($0[i] - mean[i]) * ($0[j] - mean[j]) }
                let c = prods.reduce(0, +) / n
                cov[i][j] = c
                covVar[i][j] = prods.reduce(0) { $0 + ($1 - c) * ($1 - c) } / (n - 1) / n
            } }
            return (mean, cov, covVar)
        }
        let (mx, cx, vx) = stats(x), (my, cy, vy) = stats(y)
        var zMean = 0.0, zCov = 0.0
        for i in 0..<q {
            let vmx = x.reduce(0) { $0 + ($1[i] - mx[i]) * ($1[i] - mx[i]) } / Double(x.count - 1) / Double(x.count)
            let vmy = y.reduce(0) { $0 + ($1[i] - my[i]) * ($1[i] - my[i]) } / Double(y.count - 1) / Double(y.count)
            zMean = max(zMean, abs(mx[i] - my[i]) / (vmx + vmy).squareRoot())
            for j in i..<q { zCov = max(zCov, abs(cx[i][j] - cy[i][j]) / (vx[i][j] + vy[i][j]).squareRoot()) }
        }
        return (zMean, zCov)
    }

    /// One step from the same state: `(A', B', E')` have the same mean and covariance under both
    /// samplers (every entry within 5 two-sample standard errors; 11 means, 66 covariances).
    @Test("one step: projected and full updates have the same mean and covariance (d = 20)")
    func oneStepMomentsAgree() throws {
        let n = 3000
        let full = try Self.draws(.full, d: 20, count: n, seedOffset: 1)
        let projected = try Self.draws(.projected, d: 20, count: n, seedOffset: 100_001)
        let z = Self.largestZ(full, projected)
        #expect(z.mean < 5, "largest z of the means: \(z.mean)")
        #expect(z.covariance < 5, "largest z of the covariances: \(z.covariance)")
        // Negative control: the projected sampler at d = 40 adds twice as much noise outside span(ΠW);
        // the same test must see it.
        let wrong = try Self.draws(.projected, d: 40, count: n, seedOffset: 200_001)
        #expect(Self.largestZ(full, wrong).mean > 5)
    }

    /// Two-sample Kolmogorov–Smirnov statistic `sup_x |F̂_x − F̂_y|`.
    static func ks(_ x: [Double], _ y: [Double]) -> Double {
        let a = x.sorted(), b = y.sorted()
        var i = 0, j = 0, d = 0.0
        while i < a.count && j < b.count {
            let t = min(a[i], b[j])
            while i < a.count && a[i] <= t { i += 1 }
            while j < b.count && b[j] <= t { j += 1 }
            d = max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return d
    }

    /// Trajectories over 200 seeds: `a_11(t)` and `B_11(t)` at three times agree in law (two-sample KS at
    /// level 0.001 each: `D < 1.949·sqrt(2/200) = 0.195`); `B_11` at d = 40 is rejected (negative control).
    @Test("200-seed trajectories: projected and full agree in distribution (KS on a_11, B_11)")
    func trajectoriesAgreeInDistribution() throws {
        let seeds = 200, steps = 60, checkpoints = [20, 40, 60]
        func run(_ sampler: SGDSampler, d: Int, seed: UInt64) throws -> [[Double]] {
            let p = Self.problem(d: d, batch: 16, lr: 0.2, steps: steps, seed: seed, head: .offdiag)
            let stepper: SGDStepper = sampler == .full ? SGDFullSampler(problem: p) : SGDProjectedSampler(problem: p)
            var out: [[Double]] = []
            for n in 1...steps {
                _ = try stepper.step()
                if checkpoints.contains(n) { let s = stepper.reducedState(); out.append([s.a[0, 0], s.b[0, 0]]) }
            }
            return out
        }
        let full = try (0..<seeds).map { try run(.full, d: 20, seed: UInt64(1 + $0)) }
        let projected = try (0..<seeds).map { try run(.projected, d: 20, seed: UInt64(10_001 + $0)) }
        let wrong = try (0..<seeds).map { try run(.projected, d: 40, seed: UInt64(20_001 + $0)) }
        let critical = 1.949 * (2.0 / Double(seeds)).squareRoot()
        for c in 0..<checkpoints.count {
            for q in 0..<2 {
                let d = Self.ks(full.map { $0[c][q] }, projected.map { $0[c][q] })
                #expect(d < critical, "KS at step \(checkpoints[c]), quantity \(q == 0 ? "a_11" : "B_11"): \(d)")
            }
        }
        #expect(Self.ks(full.map { $0[2][1] }, wrong.map { $0[2][1] }) > critical)
    }

    /// Both samplers start from `W(0) = V A(0) + U R(0)`: the recorded start is the problem's.
    @Test("the recorded start is the problem's start under both samplers")
    func startIsRecorded() {
        for sampler in SGDSampler.allCases {
            let p = Self.problem(d: 20, steps: 3)
            let t = SGDSolver(sampler: sampler).solve(p)
            #expect(t.status == .success)
            #expect((t.samples[0].b - p.start.b).maxAbs < 1e-12)
            #expect(t.samples[0].a == p.start.a)
            #expect(t.steps == 3 && t.final.time == 1.5)
        }
    }
}
