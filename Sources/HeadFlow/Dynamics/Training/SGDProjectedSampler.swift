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
final class SGDProjectedSampler: SGDStepper {
    let model: DataModel
    let k: Int, m: Int, nu: Int
    let lr: Double, lrE: Double, sigma: Double
    private let mask: Matrix
    private let loss: BatchNormLoss
    private let layout: SGDBatchLayout
    private let source: RandomSource
    private var a: Matrix, r: Matrix, e: Matrix
    private let z: UnsafeMutablePointer<Double>
    private let h: UnsafeMutablePointer<Double>
    private let g: UnsafeMutablePointer<Double>

    init(problem: TrainingProblem) {
        model = problem.model
        k = model.featureCount; m = problem.neurons; nu = model.dimension - k - m
        lr = problem.lr; lrE = problem.lrE; sigma = model.noise
        mask = problem.head.trainableMask(neurons: m)
        loss = BatchNormLoss(epsilon: problem.epsilon)
        source = RandomSource(seed: problem.dataSeed)
        layout = SGDBatchLayout(model: model, batch: problem.batch, neurons: m, source: source)
        a = problem.start.a; r = problem.start.r; e = problem.start.e
        let rows = max(1, problem.batch * (model.patches - model.featurePatches))
        z = .allocate(capacity: rows * m); h = .allocate(capacity: rows * m); g = .allocate(capacity: rows * m)
    }

    deinit { z.deallocate(); h.deallocate(); g.deallocate() }

    func step() throws(SGDStepFailure) -> Double {
        layout.drawFresh(source)
        let rows = layout.totalRows, rows1 = layout.rows1
        source.fillGaussian(z, count: rows * m)
        // h = σ_ξ Rᵀ z per row.
        r.storage.withUnsafeBufferPointer { rp in
            for row in 0..<rows {
                for j in 0..<m {
                    var s = 0.0
                    for q in 0..<m { s += rp[q * m + j] * z[row * m + q] }
                    h[row * m + j] = sigma * s
                }
            }
        }
        let ev: BatchNormLossEvaluation
        let (f1, f2) = a.storage.withUnsafeBufferPointer { ap in
            (layout.outputs(view: 1, h: h, a: ap.baseAddress!), layout.outputs(view: 2, h: h, a: ap.baseAddress!))
        }
        do { ev = try loss.evaluate(online: f1, target: f2, head: e) } catch { throw .degenerate(error) }
        let gradA = a.storage.withUnsafeBufferPointer { layout.featureGradient(online: ev.onlineGradient, a: $0.baseAddress!) }
        layout.noiseRowGradients(online: ev.onlineGradient, h: h, into: g)
        // S = Σ_p z_p g_pᵀ and GᵀG = Σ_p g_p g_pᵀ over the view-1 noise rows.
        var s = Matrix(rows: m, cols: m), gg = Matrix(rows: m, cols: m)
        s.storage.withUnsafeMutableBufferPointer { sp in
            LinearAlgebra.gemm(transA: true, m: m, n: m, k: rows1, a: z, lda: m, b: g, ldb: m, c: sp.baseAddress!, ldc: m)
        }
        gg.storage.withUnsafeMutableBufferPointer { gp in
            LinearAlgebra.gemm(transA: true, m: m, n: m, k: rows1, a: g, lda: m, b: g, ldb: m, c: gp.baseAddress!, ldc: m)
        }
        for i in 0..<m { for j in 0..<i { let x = 0.5 * (gg[i, j] + gg[j, i]); gg[i, j] = x; gg[j, i] = x } }
        guard let c = LinearAlgebra.gramFactor(gg) else { throw .factorization("Σ_p g_p g_pᵀ") }
        // T = [R − lr σ S; −lr σ L C], R' from its thin QR.
        let step = lr * sigma
        let l = source.wishartFactor(m: m, dof: nu)
        let lc = l * c
        var t = Matrix(rows: m + lc.rows, cols: m)
        for i in 0..<m { for j in 0..<m { t[i, j] = r[i, j] - step * s[i, j] } }
        for i in 0..<lc.rows { for j in 0..<m { t[m + i, j] = -step * lc[i, j] } }
        guard t.isFinite else { throw .nonFiniteState }
        r = LinearAlgebra.triangularFactor(t)
        for i in 0..<(k * m) { a.storage[i] -= lr * gradA.storage[i] }
        Self.updateHead(&e, gradient: ev.gradE, mask: mask, rate: lrE)
        guard a.isFinite, r.isFinite, e.isFinite else { throw .nonFiniteState }
        return ev.loss
    }

    func reducedState() -> ReducedState { ReducedState(a: a, r: r, e: e) }
}
