/// One mini-batch in the compact form both SGD samplers use (internal).
///
/// A sample contributes to `f_j(X⁽ᵛ⁾)` through its `n_v` feature patches in
/// view `v` (each `ε α_ℓ v_ℓ`, so `⟨w_j, X_p⟩ = ε α_ℓ a_{ℓj}`) and through its
/// noise patches in view `v`, whose pre-activations `h_p = Wᵀ ξ_p` are rows of a
/// buffer: view-1 rows of sample `i` are `offsets1[i] ..< offsets1[i+1]`, view-2
/// rows `offsets2[i] ..< offsets2[i+1]`, all view-1 rows first. Which patch
/// positions the mask picks does not change `f`, so only the counts are drawn:
/// `n_1 ~ Bin(s, q)` feature and `Bin(P − s, q)` noise patches go to view 1.
final class SGDBatchLayout {
    let model: DataModel
    /// Batch size `N`, neurons `m`, features `k`.
    let n: Int, m: Int, k: Int
    /// Per sample: feature `ℓ`, sign `ε`, feature patches in view 1, noise patches in view 1.
    var features: [Int], signs: [Double], featureIn1: [Int], noiseIn1: [Int]
    /// Row ranges of the noise patches (`N + 1` entries each); `offsets2[0] = offsets1[N]`.
    var offsets1: [Int], offsets2: [Int]
    /// `ε α_ℓ` per feature (with its cube), reused.
    private let alpha: [Double]
    private let featureLaw: DiscreteSampler

    init(model: DataModel, batch n: Int, neurons m: Int, source: RandomSource) {
        self.model = model; self.n = n; self.m = m; k = model.featureCount
        features = Array(repeating: 0, count: n); signs = Array(repeating: 1, count: n)
        featureIn1 = Array(repeating: 0, count: n); noiseIn1 = Array(repeating: 0, count: n)
        offsets1 = Array(repeating: 0, count: n + 1); offsets2 = Array(repeating: 0, count: n + 1)
        alpha = model.alpha
        featureLaw = source.discreteSampler(model.probabilities)
    }

    /// Noise patches per sample `P − s`.
    var noisePerSample: Int { model.patches - model.featurePatches }
    /// All noise rows (both views) of the batch, `N (P − s)`.
    var totalRows: Int { offsets2[n] }
    /// Noise rows in view 1.
    var rows1: Int { offsets1[n] }

    /// Draws `ℓ ~ p`, `ε = ±1` and the view counts of every sample, and lays out the rows.
    func drawFresh(_ source: RandomSource) {
        for i in 0..<n {
            features[i] = source.draw(featureLaw)
            signs[i] = source.coin() ? 1 : -1
        }
        drawMasks(source)
    }

    /// Draws only the random mask (view counts) for samples whose `ℓ`, `ε` are set.
    func drawMasks(_ source: RandomSource) {
        let s = model.featurePatches, q = model.maskProbability, u = noisePerSample
        for i in 0..<n {
            featureIn1[i] = source.binomial(s, q)
            noiseIn1[i] = source.binomial(u, q)
        }
        layOut()
    }

    private func layOut() {
        let u = noisePerSample
        offsets1[0] = 0
        for i in 0..<n { offsets1[i + 1] = offsets1[i] + noiseIn1[i] }
        offsets2[0] = offsets1[n]
        for i in 0..<n { offsets2[i + 1] = offsets2[i] + (u - noiseIn1[i]) }
    }

    /// `f_j(X⁽ᵛ⁾_i) = Σ_{noise rows p of i in view v} h_{pj}³ + n_v(i) (ε_i α_ℓ a_{ℓj})³`
    /// (`N × m`), from the pre-activations `h` (rows × m) and `A` (k×m, row-major).
    func outputs(view: Int, h: UnsafePointer<Double>, a: UnsafePointer<Double>) -> Matrix {
        var f = Matrix(rows: n, cols: m)
        let offsets = view == 1 ? offsets1 : offsets2
        let s = model.featurePatches
        f.storage.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let o = out.baseAddress! + i * m
                for row in offsets[i]..<offsets[i + 1] {
                    for j in 0..<m { let x = h[row * m + j]; o[j] += x * x * x }
                }
                let count = view == 1 ? featureIn1[i] : s - featureIn1[i]
                if count > 0 {
                    let l = features[i], scale = signs[i] * alpha[l]
                    for j in 0..<m { let x = scale * a[l * m + j]; o[j] += Double(count) * x * x * x }
                }
            }
        }
        return f
    }

    /// The feature part of `∂L/∂W`: `∂L/∂a_{ℓj} = Σ_{i: ℓ_i = ℓ} n_1(i) · 3 (ε_i α_ℓ a_{ℓj})² ε_i α_ℓ · ∂L/∂f_j(X⁽ⁱ'¹⁾)`
    /// (noise has no component along `V`).
    func featureGradient(online df: Matrix, a: UnsafePointer<Double>) -> Matrix {
        var g = Matrix(rows: k, cols: m)
        for i in 0..<n where featureIn1[i] > 0 {
            let l = features[i], scale = signs[i] * alpha[l]
            for j in 0..<m {
                let x = scale * a[l * m + j]
                g.storage[l * m + j] += Double(featureIn1[i]) * 3 * x * x * scale * df.storage[i * m + j]
            }
        }
        return g
    }

    /// `g_p = σ'(h_p) ∘ ∂L/∂f(X⁽ⁱ'¹⁾)` for every view-1 noise row `p` of sample `i`, into `out` (rows1 × m).
    func noiseRowGradients(online df: Matrix, h: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        df.storage.withUnsafeBufferPointer { d in
            for i in 0..<n {
                for row in offsets1[i]..<offsets1[i + 1] {
                    for j in 0..<m { let x = h[row * m + j]; out[row * m + j] = 3 * x * x * d[i * m + j] }
                }
            }
        }
    }
}
