import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The `projected` SGD sampler: exact online SGD on `[A; R]` with
/// `RᵀR = B = WᵀΠW`, at a cost per step independent of `d` (internal).
///
/// Write `ΠW = U R` with `U` (d×m) orthonormal in `span(V)^⊥`, and `Q` the
/// projector onto the complement of `span(V) + span(U)` (rank `ν = d − k − m`).
///
/// - Forward. A noise patch `ξ ~ N(0, σ_ξ² Π)` splits into independent parts
///   `Uᵀξ = σ_ξ z`, `z ~ N(0, I_m)`, and `Qξ`. Only `h = Wᵀξ = σ_ξ Rᵀ z` enters
///   `f`, so `m` Gaussians per patch suffice. Feature patches need only their counts.
/// - Backward. `∂L̂/∂W = V ∂L̂/∂A + Σ_p ξ_p g_pᵀ` over the view-1 noise patches,
///   `g_p = σ'(h_p) ∘ ∂L̂/∂f(X⁽ⁱ'¹⁾)`. Then `Σ_p ξ_p g_pᵀ = σ_ξ U S + Σ_p Qξ_p g_pᵀ`
///   with `S = Σ_p z_p g_pᵀ`. Given all `z_p` (hence all `g_p`), the `Qξ_p` are
///   i.i.d. `N(0, σ_ξ² Q)`, so `Σ_p Qξ_p g_pᵀ = σ_ξ Q N C` in law (`N` d×m standard
///   normal, `CᵀC = Σ_p g_p g_pᵀ`: each row of `Z G` is `N(0, GᵀG)`).
/// - Update. `ΠW' = U (R − lr σ_ξ S) − lr σ_ξ Q N C`. With `QN = U₂ L` (`U₂`
///   orthonormal in `range Q`, `LᵀL = NᵀQN ~ Wishart_m(ν, I)`, independent of
///   everything else), `ΠW' = [U U₂] T`, `T = [R − lr σ_ξ S; −lr σ_ξ L C]`, and the
///   thin QR `T = Q_T R'` gives `ΠW' = U' R'` with `U' = [U U₂] Q_T` orthonormal:
///   `B' = R'ᵀR' = (R − lrσ_ξS)ᵀ(R − lrσ_ξS) + (lr σ_ξ)² Cᵀ(LᵀL)C`. The law of
///   the next step depends on `R'` only through `B'` (`z` is isotropic), so no
///   `d`-vector is ever formed. `A' = A − lr ∂L̂/∂A` from the feature patches only
///   (noise has no component along `V`).
/// - Per sample. With `g_p = 3 h_p² ∘ ∂L̂/∂f_i` for the view-1 rows `p` of sample `i`,
///   `S_qr = 3 Σ_i ∂L̂/∂f_ir M_i[q, r]` and `(GᵀG)_rs = 9 Σ_i ∂L̂/∂f_ir ∂L̂/∂f_is K_i[r, s]`,
///   `M_i[q, r] = Σ_p z_pq h_pr²`, `K_i[r, s] = Σ_p h_pr² h_ps²`: each chunk of the batch
///   forms its samples' `f⁽¹⁾, f⁽²⁾, M_i, K_i` while drawing them; the rest is `O(N m²)`.
final class SGDProjectedSampler: SGDStepper, SGDChunkWork, @unchecked Sendable {
    let model: DataModel
    let k: Int, m: Int, nu: Int
    let lr: Double, lrE: Double, sigma: Double
    let threads: Int
    private let mask: Matrix
    /// The head rule (its SGD step).
    private let head: any HeadRule
    private let loss: BatchNormLoss
    private let layout: SGDBatchLayout
    private let streams: SGDStreams
    private var a: Matrix, r: Matrix, e: Matrix
    private var stepIndex = 0
    /// Per sample `M_i`, `K_i` (`m × m` each); `A`, `R` copied for the chunk threads; per chunk `z`, `h`.
    private let stats: UnsafeMutablePointer<Double>
    private let shared: UnsafeMutablePointer<Double>
    private let scratch: UnsafeMutablePointer<Double>
    /// The threads that run the chunks (persistent across steps).
    private let pool: WorkerPool
    /// The batch loss's buffers; `S`, `GᵀG` and `∂L̂/∂A` of a step.
    private let bn: BatchNormWorkspace
    private let small: UnsafeMutablePointer<Double>
    /// Per sample `∂f⁽¹⁾_j/∂a_{ℓj}` (`N × m`, `m = 2` only), formed by the chunks.
    private let slopes: UnsafeMutablePointer<Double>
    /// The head `E` the last step used (nil before the first step).
    private var lastHead: Matrix?

    /// The last step's `f⁽¹⁾` (still in the layout's buffer) and head.
    var lastBatch: (outputs: Matrix, head: Matrix)? {
        guard let lastHead else { return nil }
        return (Matrix(rows: layout.n, cols: m, storage: Array(UnsafeBufferPointer(start: layout.f1, count: layout.n * m))), lastHead)
    }

    /// The sampler at `problem`'s start, drawing with `generator` and splitting each batch over up to `threads` threads.
    init(problem: TrainingProblem, generator: SGDGenerator = .philox, threads: Int = 1) {
        model = problem.model.data
        k = model.featureCount; m = problem.neurons; nu = model.dimension - k - m
        lr = problem.lr; lrE = problem.lrE; sigma = model.noise
        self.threads = threads
        mask = problem.model.headRule.trainableMask(neurons: m); head = problem.model.headRule
        loss = BatchNormLoss(epsilon: problem.epsilon)
        layout = SGDBatchLayout(model: model, batch: problem.batch, neurons: m)
        streams = SGDStreams(generator: generator, seed: problem.dataSeed, chunks: layout.chunks.count)
        a = problem.start.a; r = problem.start.r; e = problem.start.e
        stats = .allocate(capacity: 2 * problem.batch * m * m)
        shared = .allocate(capacity: (k + m) * m)
        scratch = .allocate(capacity: layout.chunks.count * max(2 * m, layout.noisePerSample * m))
        bn = BatchNormWorkspace(n: problem.batch, m: m)
        pool = WorkerPool(threads: min(threads, layout.chunks.count))
        small = .allocate(capacity: 2 * m * m + k * m)
        slopes = .allocate(capacity: problem.batch * m)
    }

    deinit { stats.deallocate(); shared.deallocate(); scratch.deallocate(); small.deallocate(); slopes.deallocate() }

    func step() throws(SGDStepFailure) -> Double {
        stepIndex += 1
        let n = layout.n, mm = m * m
        for i in 0..<(k * m) { shared[i] = a.storage[i] }
        for i in 0..<mm { shared[k * m + i] = r.storage[i] }
        let step = stepIndex
        pool.run(layout.chunks.count) { c in streams.run(self, chunk: c, step: step) }
        let lossValue: Double
        do {
            lossValue = try e.storage.withUnsafeBufferPointer { (h: UnsafeBufferPointer<Double>) throws(DegenerateBatch) in
                try loss.evaluate(online: layout.f1, target: layout.f2, head: h.baseAddress!, into: bn)
            }
        } catch { throw .degenerate(error) }
        lastHead = e
        // S = 3 Σ_i df_ir M_i and GᵀG = 9 Σ_i df_ir df_is K_i, over samples in order.
        let df = UnsafePointer(bn.df1), sums = small, gradA = small + 2 * mm
        sums.update(repeating: 0, count: 2 * mm)
        if m == 2 {
            // With ∂L̂/∂A = Σ_i (slope_i ∘ df_i) on row ℓ_i (`featureGradient`), in one pass.
            var s00 = 0.0, s01 = 0.0, s10 = 0.0, s11 = 0.0, g00 = 0.0, g01 = 0.0, g10 = 0.0, g11 = 0.0
            gradA.update(repeating: 0, count: k * 2)
            let counts = UnsafePointer(layout.featureIn1), features = UnsafePointer(layout.features)
            for i in 0..<n {
                let st = UnsafePointer(stats + 8 * i), d0 = df[2 * i], d1 = df[2 * i + 1]
                s00 += d0 * st[0]; s01 += d1 * st[1]; s10 += d0 * st[2]; s11 += d1 * st[3]
                g00 += d0 * d0 * st[4]; g01 += d0 * d1 * st[5]; g10 += d1 * d0 * st[6]; g11 += d1 * d1 * st[7]
                if counts[i] > 0 {
                    let row = gradA + 2 * features[i]
                    row[0] += slopes[2 * i] * d0; row[1] += slopes[2 * i + 1] * d1
                }
            }
            sums[0] = s00; sums[1] = s01; sums[2] = s10; sums[3] = s11
            sums[4] = g00; sums[5] = g01; sums[6] = g10; sums[7] = g11
        } else {
            for i in 0..<n {
                let st = UnsafePointer(stats + 2 * i * mm), di = df + i * m
                for q in 0..<m {
                    let dq = di[q]
                    for c in 0..<m {
                        let dc = di[c]
                        sums[q * m + c] += dc * st[q * m + c]
                        sums[mm + q * m + c] += dq * dc * st[mm + q * m + c]
                    }
                }
            }
            layout.featureGradient(online: df, a: shared, into: gradA)
        }
        var s = Matrix(rows: m, cols: m), gg = Matrix(rows: m, cols: m)
        for q in 0..<mm { s.storage[q] = 3 * sums[q]; gg.storage[q] = 9 * sums[mm + q] }
        for i in 0..<m { for j in 0..<i { let x = 0.5 * (gg[i, j] + gg[j, i]); gg[i, j] = x; gg[j, i] = x } }
        guard let c = LinearAlgebra.gramFactor(gg) else { throw .factorization("Σ_p g_p g_pᵀ") }
        // T = [R − lr σ S; −lr σ L C], R' from its thin QR.
        let rate = lr * sigma
        var main = streams.main(step: stepIndex)
        let l = main.wishartFactor(m: m, dof: nu)
        let lc = l * c
        var t = Matrix(rows: m + lc.rows, cols: m)
        for i in 0..<m { for j in 0..<m { t[i, j] = r[i, j] - rate * s[i, j] } }
        for i in 0..<lc.rows { for j in 0..<m { t[m + i, j] = -rate * lc[i, j] } }
        guard t.isFinite else { throw .nonFiniteState }
        r = LinearAlgebra.triangularFactor(t)
        for i in 0..<(k * m) { a.storage[i] -= lr * gradA[i] }
        let gradE = Matrix(rows: m, cols: m, storage: Array(UnsafeBufferPointer(start: bn.gradE, count: mm)))
        head.sgdStep(&e, gradient: gradE, mask: mask, rate: lrE)
        guard a.isFinite, r.isFinite, e.isFinite else { throw .nonFiniteState }
        return lossValue
    }

    /// Chunk `c`: draws its samples and, per sample, `f⁽¹⁾`, `f⁽²⁾`, `M_i`, `K_i`
    /// from `h = σ_ξ Rᵀ z`, `z ~ N(0, I_m)` per noise patch.
    func work<S: RandomStream>(chunk c: Int, stream rng: inout S) {
        if m == 2 { workTwoNeurons(chunk: c, stream: &rng); return }
        let mm = m * m, u = layout.noisePerSample
        let aPtr = UnsafePointer(shared), rPtr = UnsafePointer(shared + k * m)
        let z = scratch + c * max(2 * m, u * m), h = z + m
        for i in layout.chunks[c] {
            layout.drawSample(i, &rng, a: aPtr)
            let f1 = layout.f1 + i * m, f2 = layout.f2 + i * m
            let mi = stats + 2 * i * mm, ki = mi + mm
            mi.update(repeating: 0, count: 2 * mm)
            let u1 = layout.noiseIn1[i]
            for p in 0..<u {
                for q in 0..<m { z[q] = rng.standardNormal() }
                for j in 0..<m {
                    var acc = 0.0
                    for q in 0..<m { acc += rPtr[q * m + j] * z[q] }
                    h[j] = sigma * acc
                }
                if p < u1 {
                    for j in 0..<m {
                        let x = h[j], x2 = x * x
                        f1[j] += x2 * x
                        for q in 0..<m { mi[q * m + j] += z[q] * x2; ki[q * m + j] += h[q] * h[q] * x2 }
                    }
                } else {
                    for j in 0..<m { let x = h[j]; f2[j] += x * x * x }
                }
            }
        }
    }

    /// `work` for `m = 2`, the sums in registers: lane `j` of each `SIMD2` does neuron `j`'s
    /// arithmetic in the order of the scalar loop (`h_j = R_0j z_0 + R_1j z_1`, then the sums).
    private func workTwoNeurons<S: RandomStream>(chunk c: Int, stream rng: inout S) {
        typealias V = SIMD2<Double>
        let u = layout.noisePerSample
        let aPtr = UnsafePointer(shared), rp = UnsafePointer(shared + k * 2)
        let row0 = V(sigma * rp[0], sigma * rp[1]), row1 = V(sigma * rp[2], sigma * rp[3])
        let zs = scratch + c * max(4, 2 * u)
        for i in layout.chunks[c] {
            layout.drawSample(i, &rng, a: aPtr)
            layout.featureSlope(i, a: aPtr, into: slopes)
            let u1 = layout.noiseIn1[i]
            rng.fillStandardNormal(zs, count: 2 * u)
            var z = UnsafePointer(zs)
            var f1 = V.zero, f2 = V.zero, m0 = V.zero, m1 = V.zero, k0 = V.zero, k1 = V.zero
            for _ in 0..<u1 {
                let z0 = z[0], z1 = z[1]
                z += 2
                let h = row0 * z0 + row1 * z1, sq = h * h
                f1 += sq * h
                m0 += z0 * sq; m1 += z1 * sq
                k0 += sq[0] * sq; k1 += sq[1] * sq
            }
            for _ in u1..<u {
                let z0 = z[0], z1 = z[1]
                z += 2
                let h = row0 * z0 + row1 * z1
                f2 += h * h * h
            }
            let out1 = layout.f1 + 2 * i, out2 = layout.f2 + 2 * i, st = stats + 8 * i
            out1[0] += f1[0]; out1[1] += f1[1]; out2[0] += f2[0]; out2[1] += f2[1]
            st[0] = m0[0]; st[1] = m0[1]; st[2] = m1[0]; st[3] = m1[1]
            st[4] = k0[0]; st[5] = k0[1]; st[6] = k0[1]; st[7] = k1[1]
        }
    }

    func reducedState() -> ReducedState { ReducedState(a: a, r: r, e: e) }

    func targetState() -> ReducedState? { nil }
}
