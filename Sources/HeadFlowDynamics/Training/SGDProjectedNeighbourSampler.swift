import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The `projected` sampler with the neighbouring mechanisms (internal): the EMA
/// target, stop-gradient off, a DirectPred/DirectCopy head. Exact online SGD at a
/// cost independent of `d`, as `SGDProjectedSampler` (whose notation this follows),
/// in `b` noise coordinates.
///
/// - EMA target (`b = 2m`). `ΠW = U R` and `ΠW_tg = U R_tg` in one orthonormal
///   `U` (d×2m) spanning both, `R`, `R_tg` 2m×m (at the start `R = R_tg = [R(0); 0]`,
///   the last `m` columns of `U` any noise directions). A noise patch gives
///   `z = Uᵀξ/σ_ξ ~ N(0, I_2m)`, `h = σ_ξ Rᵀz` (view 1) and `h_tg = σ_ξ R_tgᵀz`
///   (view 2, the target branch). The backward pass is as before with `S` 2m×m and
///   `Q` of rank `ν = d − k − 2m`, so `ΠW' = U(R − lrσ_ξS) − lrσ_ξ U₂ L C` and
///   `ΠW_tg' = (1 − c)ΠW_tg + cΠW'`, `c = lr/τ`. Both live in `[U U₂]`:
///   `T = [R − lrσ_ξS, (1 − c)R_tg + c(R − lrσ_ξS); −lrσ_ξLC, −c·lrσ_ξLC]`
///   ((2m + m)×2m), and its thin QR `T = Q_T R'` (R' 2m×2m) gives the new
///   `[R, R_tg] = R'` in the basis `U' = [U U₂]Q_T`. The next step's law depends only
///   on the joint Gram `R'ᵀR'` (z is isotropic), so this is exact; it needs
///   `d ≥ k + 2m`. `R` stays upper triangular with zero last `m` rows, so the
///   online `R` reported is its top block (the same factor the `same` sampler keeps).
/// - Stop-gradient off (`b = m`). The view-2 patches carry `g_p = 3h_p² ∘ ∂L̂/∂f⁽²⁾_i`
///   too: `S` and `GᵀG` add view 2's `M_i`, `K_i` (the patches of the two views are
///   distinct, so the `Qξ_p` stay independent given all `z_p`).
/// - A spectral head: `E` from `SpectralHeadEstimate` before the loss, never trained.
///
/// It draws `b` Gaussians per noise patch, so with the EMA target its stream differs from
/// `SGDProjectedSampler`'s. With every mechanism off (`b = m`) it is that sampler, which the solver
/// then uses: the same trajectory bit for bit for `m ≠ 2`, and to rounding for `m = 2`, whose
/// register kernel folds `σ_ξ` into `R` (`SGDProjectedAgreementTests`).
final class SGDProjectedNeighbourSampler: SGDStepper, SGDChunkWork, @unchecked Sendable {
    let model: DataModel
    let k: Int, m: Int, b: Int, nu: Int
    let lr: Double, lrE: Double, sigma: Double
    let threads: Int
    private let mask: Matrix
    /// The head rule (its SGD step).
    private let head: any HeadRule
    private let loss: BatchNormLoss
    private let layout: SGDBatchLayout
    private let streams: SGDStreams
    /// The threads that run the chunks (persistent across steps).
    private let pool: WorkerPool
    private let emaRate: Double?
    private let throughTarget: Bool
    private var spectral: SpectralHeadEstimate?
    /// `A` (k×m), `R` (b×m), `A_tg`, `R_tg` (the EMA target; equal to `A`, `R` otherwise), `E`.
    private var a: Matrix, r: Matrix, aTg: Matrix, rTg: Matrix, e: Matrix
    private var stepIndex = 0
    /// Per sample `M⁽¹⁾_i` (b×m), `K⁽¹⁾_i` (m×m), `M⁽²⁾_i`, `K⁽²⁾_i`.
    private let stats: UnsafeMutablePointer<Double>
    private let stride: Int
    /// `A`, `R`, `A_tg`, `R_tg` for the chunk threads; per chunk `z`, `h`.
    private let shared: UnsafeMutablePointer<Double>
    private let scratch: UnsafeMutablePointer<Double>
    private(set) var lastBatch: (outputs: Matrix, head: Matrix)?

    init(problem: TrainingProblem, generator: SGDGenerator = .philox, threads: Int = 1) {
        model = problem.model.data
        k = model.featureCount; m = problem.neurons
        emaRate = problem.model.target == .ema ? problem.lr / problem.model.emaTau : nil
        b = emaRate == nil ? m : 2 * m
        nu = model.dimension - k - b
        lr = problem.lr; lrE = problem.lrE; sigma = model.noise
        self.threads = threads
        throughTarget = problem.model.stopGradient == .off
        mask = problem.model.headRule.trainableMask(neurons: m); head = problem.model.headRule
        loss = BatchNormLoss(epsilon: problem.epsilon)
        layout = SGDBatchLayout(model: model, batch: problem.batch, neurons: m)
        streams = SGDStreams(generator: generator, seed: problem.dataSeed, chunks: layout.chunks.count)
        pool = WorkerPool(threads: min(threads, layout.chunks.count))
        let start = problem.start
        a = start.a; e = start.e
        r = Matrix(rows: b, cols: m)
        for i in 0..<m { for j in 0..<m { r[i, j] = start.r[i, j] } }
        aTg = a; rTg = r
        let neurons = problem.neurons
        spectral = problem.model.spectralHead.map { SpectralHeadEstimate(rule: $0, rho: problem.model.dpRho, neurons: neurons) }
        if let rule = problem.model.spectralHead { e = rule.head(secondMoment: PopulationMoments(model: model, a: a, b: start.b).same) }
        stride = 2 * (b * m + m * m)
        stats = .allocate(capacity: problem.batch * stride)
        shared = .allocate(capacity: 2 * (k + b) * m)
        scratch = .allocate(capacity: layout.chunks.count * (b + m))
    }

    deinit { stats.deallocate(); shared.deallocate(); scratch.deallocate() }

    func step() throws(SGDStepFailure) -> Double {
        stepIndex += 1
        let n = layout.n, bm = b * m, mm = m * m
        let half = (k + b) * m
        for (o, x) in [(0, a), (k * m, r), (half, aTg), (half + k * m, rTg)] {
            x.storage.withUnsafeBufferPointer { (shared + o).update(from: $0.baseAddress!, count: $0.count) }
        }
        let step = stepIndex
        pool.run(layout.chunks.count) { c in streams.run(self, chunk: c, step: step) }
        let (f1, f2) = layout.outputs()
        if spectral != nil { do { e = try spectral!.update(outputs: f1) } catch { throw .degenerate(error) } }
        let ev: BatchNormLossEvaluation
        do { ev = try loss.evaluate(online: f1, target: f2, head: e, throughTarget: throughTarget) } catch { throw .degenerate(error) }
        lastBatch = (f1, e)
        var gradA = layout.featureGradient(online: ev.onlineGradient, a: shared)
        if let df2 = ev.targetGradient { gradA = gradA + layout.featureGradient(online: df2, a: shared, view: 2) }
        // S = 3 Σ_i Σ_v df⁽ᵛ⁾_ic M⁽ᵛ⁾_i[q, c] (b×m), GᵀG = 9 Σ_i Σ_v df⁽ᵛ⁾_iq df⁽ᵛ⁾_ic K⁽ᵛ⁾_i[q, c], samples in order.
        var s = Matrix(rows: b, cols: m), gg = Matrix(rows: m, cols: m)
        for (v, df) in [ev.onlineGradient, ev.targetGradient].enumerated() {
            guard let df else { continue }
            let o = v * (bm + mm)
            for q in 0..<b { for c in 0..<m {
                var acc = 0.0
                for i in 0..<n { acc += df.storage[i * m + c] * stats[i * stride + o + q * m + c] }
                s[q, c] += 3 * acc
            } }
            for q in 0..<m { for c in 0..<m {
                var acc = 0.0
                for i in 0..<n { acc += df.storage[i * m + q] * df.storage[i * m + c] * stats[i * stride + o + bm + q * m + c] }
                gg[q, c] += 9 * acc
            } }
        }
        for i in 0..<m { for j in 0..<i { let x = 0.5 * (gg[i, j] + gg[j, i]); gg[i, j] = x; gg[j, i] = x } }
        guard let c = LinearAlgebra.gramFactor(gg) else { throw .factorization("Σ_p g_p g_pᵀ") }
        let rate = lr * sigma
        var main = streams.main(step: stepIndex)
        let lc = main.wishartFactor(m: m, dof: nu) * c
        let cols = emaRate == nil ? m : 2 * m
        var t = Matrix(rows: b + lc.rows, cols: cols)
        let keep = 1 - (emaRate ?? 0), move = emaRate ?? 0
        for i in 0..<b { for j in 0..<m {
            let x = r[i, j] - rate * s[i, j]
            t[i, j] = x
            if emaRate != nil { t[i, m + j] = keep * rTg[i, j] + move * x }
        } }
        for i in 0..<lc.rows { for j in 0..<m {
            t[b + i, j] = -rate * lc[i, j]
            if emaRate != nil { t[b + i, m + j] = -move * rate * lc[i, j] }
        } }
        guard t.isFinite else { throw .nonFiniteState }
        let factor = LinearAlgebra.triangularFactor(t)
        for i in 0..<b { for j in 0..<m {
            r[i, j] = factor[i, j]
            if emaRate != nil { rTg[i, j] = factor[i, m + j] }
        } }
        for i in 0..<(k * m) { a.storage[i] -= lr * gradA.storage[i] }
        if emaRate != nil {
            for i in 0..<(k * m) { aTg.storage[i] = keep * aTg.storage[i] + move * a.storage[i] }
        } else {
            rTg = r; aTg = a
        }
        if spectral == nil { head.sgdStep(&e, gradient: ev.gradE, mask: mask, rate: lrE) }
        guard a.isFinite, r.isFinite, e.isFinite, aTg.isFinite, rTg.isFinite else { throw .nonFiniteState }
        return ev.loss
    }

    /// Chunk `c`: draws its samples and, per noise patch, `z ~ N(0, I_b)`, `h = σ_ξ Rᵀz`
    /// (view 1) or `σ_ξ R_tgᵀz` (view 2), the outputs and `M⁽ᵛ⁾_i`, `K⁽ᵛ⁾_i`.
    func work<S: RandomStream>(chunk c: Int, stream rng: inout S) {
        let bm = b * m, mm = m * m, u = layout.noisePerSample, half = (k + b) * m
        let aPtr = UnsafePointer(shared), rPtr = UnsafePointer(shared + k * m)
        let aTgPtr = UnsafePointer(shared + half), rTgPtr = UnsafePointer(shared + half + k * m)
        let z = scratch + c * (b + m), h = z + b
        for i in layout.chunks[c] {
            layout.drawSample(i, &rng, a: aPtr, target: emaRate == nil ? nil : aTgPtr)
            let f1 = layout.f1 + i * m, f2 = layout.f2 + i * m
            let base = stats + i * stride
            base.update(repeating: 0, count: stride)
            let u1 = layout.noiseIn1[i]
            for p in 0..<u {
                for q in 0..<b { z[q] = rng.standardNormal() }
                let view1 = p < u1, weights = view1 ? rPtr : rTgPtr
                for j in 0..<m {
                    var acc = 0.0
                    for q in 0..<b { acc += weights[q * m + j] * z[q] }
                    h[j] = sigma * acc
                }
                let out = view1 ? f1 : f2
                for j in 0..<m { out[j] += h[j] * h[j] * h[j] }
                guard view1 || throughTarget else { continue }
                let mi = base + (view1 ? 0 : bm + mm), ki = mi + bm
                for j in 0..<m {
                    let x2 = h[j] * h[j]
                    for q in 0..<b { mi[q * m + j] += z[q] * x2 }
                    for q in 0..<m { ki[q * m + j] += h[q] * h[q] * x2 }
                }
            }
        }
    }

    func reducedState() -> ReducedState {
        var top = Matrix(rows: m, cols: m)
        for i in 0..<m { for j in 0..<m { top[i, j] = r[i, j] } }
        return ReducedState(a: a, r: b == m ? r : top, e: e)
    }

    func targetState() -> ReducedState? {
        guard emaRate != nil else { return nil }
        return ReducedState(a: aTg, r: LinearAlgebra.triangularFactor(rTg), e: e)
    }

    /// `RᵀR_tg` (m×m): the joint Gram of the online and target noise parts (tests).
    var crossGram: Matrix { r.transposed * rTg }
}
