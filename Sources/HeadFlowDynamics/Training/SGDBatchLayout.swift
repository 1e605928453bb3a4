import HeadFlowNumerics
import HeadFlowData

/// One mini-batch in the per-sample form both SGD samplers use (internal).
///
/// Sample `i` has its feature `ℓ_i ~ p`, sign `ε_i = ±1`, `n₁(i) ~ Bin(s, q)`
/// feature patches and `u₁(i) ~ Bin(P − s, q)` noise patches in view 1. A feature
/// patch `ε α_ℓ v_ℓ` gives `⟨w_j, X_p⟩ = ε α_ℓ a_{ℓj}`, so only the counts enter
/// `f`; the noise patches are i.i.d., so which of them the mask picks does not
/// matter either: the first `u₁(i)` of the sample's `P − s` go to view 1.
///
/// The batch is cut into `chunks`, a partition fixed by `N` alone (at most
/// `maxChunks` contiguous ranges), never by the number of threads. Chunk `c`
/// draws its samples in order from its own stream and writes only their rows,
/// and every sum over the batch runs over samples in order on one thread, so a
/// step's result is the same bits however the chunks are scheduled.
final class SGDBatchLayout: @unchecked Sendable {
    /// The fixed number of chunks (fewer when `N` is smaller).
    static let maxChunks = 16

    /// Batch size `N`, neurons `m`, features `k`, feature patches `s`, noise patches per sample `P − s`.
    let n: Int, m: Int, k: Int, s: Int, noisePerSample: Int
    /// The fixed partition of `0..<N`.
    let chunks: [Range<Int>]
    /// Per sample: feature `ℓ`, sign `ε`, feature patches in view 1, noise patches in view 1.
    let features: UnsafeMutablePointer<Int>, signs: UnsafeMutablePointer<Double>
    let featureIn1: UnsafeMutablePointer<Int>, noiseIn1: UnsafeMutablePointer<Int>
    /// `f(X⁽ⁱ'¹⁾)` and `f(X⁽ⁱ'²⁾)`, `N × m` row-major.
    let f1: UnsafeMutablePointer<Double>, f2: UnsafeMutablePointer<Double>
    private let alpha: [Double]
    private let featureLaw: InversionTable, featureMask: InversionTable, noiseMask: InversionTable

    init(model: DataModel, batch n: Int, neurons m: Int) {
        self.n = n; self.m = m; k = model.featureCount; s = model.featurePatches
        noisePerSample = model.patches - model.featurePatches
        chunks = WorkerPool.partition(n, parts: Self.maxChunks)
        features = .allocate(capacity: n); features.initialize(repeating: 0, count: n)
        signs = .allocate(capacity: n); signs.initialize(repeating: 1, count: n)
        featureIn1 = .allocate(capacity: n); featureIn1.initialize(repeating: 0, count: n)
        noiseIn1 = .allocate(capacity: n); noiseIn1.initialize(repeating: 0, count: n)
        f1 = .allocate(capacity: n * m); f1.initialize(repeating: 0, count: n * m)
        f2 = .allocate(capacity: n * m); f2.initialize(repeating: 0, count: n * m)
        alpha = model.alpha
        featureLaw = InversionTable(weights: model.probabilities)
        featureMask = InversionTable(binomial: s, model.maskProbability)
        noiseMask = InversionTable(binomial: noisePerSample, model.maskProbability)
    }

    deinit {
        features.deallocate(); signs.deallocate(); featureIn1.deallocate(); noiseIn1.deallocate()
        f1.deallocate(); f2.deallocate()
    }

    /// Draws sample `i` afresh: `ℓ`, `ε`, then its view counts (see `drawCounts`).
    @inline(__always)
    func drawSample<S: RandomStream>(_ i: Int, _ rng: inout S, a: UnsafePointer<Double>, target: UnsafePointer<Double>? = nil) {
        features[i] = featureLaw.draw(rng.uniform())
        signs[i] = rng.uniform() < 0.5 ? 1 : -1
        drawCounts(i, &rng, a: a, target: target)
    }

    /// Draws sample `i`'s view counts `n₁`, `u₁` (its `ℓ`, `ε` set) and sets its rows of `f⁽¹⁾`, `f⁽²⁾`
    /// to the feature part `n_v (ε α_ℓ a_{ℓj})³` (`n₂ = s − n₁`); view 2 uses `target` (`A_tg`) when given.
    @inline(__always)
    func drawCounts<S: RandomStream>(_ i: Int, _ rng: inout S, a: UnsafePointer<Double>, target: UnsafePointer<Double>? = nil) {
        let n1 = featureMask.draw(rng.uniform())
        featureIn1[i] = n1
        noiseIn1[i] = noiseMask.draw(rng.uniform())
        let l = features[i], scale = signs[i] * alpha[l]
        let c1 = Double(n1), c2 = Double(s - n1)
        for j in 0..<m {
            let x = scale * a[l * m + j], cube = x * x * x
            f1[i * m + j] = c1 * cube; f2[i * m + j] = c2 * cube
        }
        if let target {
            for j in 0..<m { let x = scale * target[l * m + j]; f2[i * m + j] = c2 * (x * x * x) }
        }
    }

    /// Sets row `i` of `slopes` (`N × m`) to sample `i`'s `∂f_j(X⁽ⁱ'¹⁾)/∂a_{ℓj} = n₁ · 3 (ε α_ℓ a_{ℓj})² ε α_ℓ`
    /// (its `ℓ`, `ε`, `n₁` drawn), the factor of `∂L/∂f_j` in `featureGradient`, formed in the same order.
    @inline(__always)
    func featureSlope(_ i: Int, a: UnsafePointer<Double>, into slopes: UnsafeMutablePointer<Double>) {
        let l = features[i], scale = signs[i] * alpha[l], c = Double(featureIn1[i])
        for j in 0..<m {
            let x = scale * a[l * m + j]
            slopes[i * m + j] = c * 3 * x * x * scale
        }
    }

    /// `f⁽¹⁾`, `f⁽²⁾` as matrices (for `BatchNormLoss`).
    func outputs() -> (Matrix, Matrix) {
        (Matrix(rows: n, cols: m, storage: Array(UnsafeBufferPointer(start: f1, count: n * m))),
         Matrix(rows: n, cols: m, storage: Array(UnsafeBufferPointer(start: f2, count: n * m))))
    }

    /// The feature part of `∂L/∂W`: `∂L/∂a_{ℓj} = Σ_{i: ℓ_i = ℓ} n₁(i) · 3 (ε_i α_ℓ a_{ℓj})² ε_i α_ℓ · ∂L/∂f_j(X⁽ⁱ'¹⁾)`
    /// (noise has no component along `V`), summed over samples in order.
    /// With `view: 2` the same sum over view 2's feature patches (`n₂ = s − n₁`), for stop-gradient off.
    func featureGradient(online df: Matrix, a: UnsafePointer<Double>, view: Int = 1) -> Matrix {
        var g = Matrix(rows: k, cols: m)
        df.storage.withUnsafeBufferPointer { d in
            g.storage.withUnsafeMutableBufferPointer { out in featureGradient(online: d.baseAddress!, a: a, view: view, into: out.baseAddress!) }
        }
        return g
    }

    /// `featureGradient(online:a:view:)` on a raw `N × m` buffer, into `out` (`k × m`, overwritten).
    func featureGradient(online d: UnsafePointer<Double>, a: UnsafePointer<Double>, view: Int = 1,
                         into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: k * m)
        alpha.withUnsafeBufferPointer { alpha in
            for i in 0..<n {
                let c1 = featureIn1[i], count = view == 1 ? c1 : s - c1
                if count == 0 { continue }
                let l = features[i], scale = signs[i] * alpha[l], c = Double(count)
                for j in 0..<m {
                    let x = scale * a[l * m + j]
                    out[l * m + j] += c * 3 * x * x * scale * d[i * m + j]
                }
            }
        }
    }
}
