import HeadFlowNumerics

/// A batch of `N` samples, each split into two views by the random mask.
///
/// Patch `p` of sample `i` is row `i·P + p` of `view1` / `view2` (each
/// `N·P × d`); a patch masked out of a view is a zero row of that view.
public struct SampleBatch: Sendable {
    /// Number of samples `N`.
    public let count: Int
    /// Patches per sample `P`.
    public let patches: Int
    /// `X⁽¹⁾`: the view-1 patches, `N·P × d`.
    public var view1: Matrix
    /// `X⁽²⁾`: the view-2 patches, `N·P × d`.
    public var view2: Matrix
    /// The feature `ℓ` (0-based) of each sample.
    public var features: [Int]
    /// The sign `ε = ±1` of each sample.
    public var signs: [Double]
    /// Feature patches in view 1, `n_1`, of each sample (`n_2 = s − n_1`).
    public var featurePatchesInView1: [Int]

    /// A batch from its parts: `view1`, `view2` are `count·P × d` (e.g. image views, `ImageNetwork.sampleBatch`).
    public init(count: Int, patches: Int, view1: Matrix, view2: Matrix, features: [Int], signs: [Double],
                featurePatchesInView1: [Int]) {
        precondition(view1.rows == count * patches && view2.rows == view1.rows && view2.cols == view1.cols,
                     "SampleBatch: each view must be N·P × d")
        self.count = count; self.patches = patches; self.view1 = view1; self.view2 = view2
        self.features = features; self.signs = signs; self.featurePatchesInView1 = featurePatchesInView1
    }
}

/// Draws samples from a `DataModel` (docs/MODEL.md §1) with a seeded GSL stream.
///
/// Per sample: `ℓ ~ p`, `ε` a fair coin, `S` a uniform `s`-subset of the
/// patches; `X_p = ε α_ℓ v_ℓ` on `S`, `X_p = ξ_p ~ N(0, σ_ξ² Π)` elsewhere
/// (the first `k` coordinates of a noise patch are zero); every patch goes to
/// view 1 with probability `q` (1/2), else to view 2.
public struct SampleGenerator {
    /// The distribution sampled.
    public let model: DataModel
    private let source: RandomSource
    private let featureLaw: DiscreteSampler

    /// A generator drawing from `source` (which it advances).
    public init(model: DataModel, source: RandomSource) {
        self.model = model
        self.source = source
        self.featureLaw = source.discreteSampler(model.probabilities)
    }

    /// The next `n` samples.
    public func batch(_ n: Int) -> SampleBatch {
        let P = model.patches, d = model.dimension, k = model.featureCount
        var x1 = Matrix(rows: n * P, cols: d), x2 = Matrix(rows: n * P, cols: d)
        var features = [Int](repeating: 0, count: n), signs = [Double](repeating: 1, count: n)
        var inView1 = [Int](repeating: 0, count: n)
        var isFeature = [Bool](repeating: false, count: P)
        for i in 0..<n {
            let ell = source.draw(featureLaw)
            let eps: Double = source.coin() ? 1 : -1
            features[i] = ell; signs[i] = eps
            for p in 0..<P { isFeature[p] = false }
            for p in source.choose(model.featurePatches, from: P) { isFeature[p] = true }
            for p in 0..<P {
                let row = i * P + p
                let toView1 = source.uniform() < model.maskProbability
                if isFeature[p] {
                    if toView1 { inView1[i] += 1 }
                    let value = eps * model.alpha[ell]
                    if toView1 { x1[row, ell] = value } else { x2[row, ell] = value }
                } else {
                    let base = row * d
                    for c in k..<d {
                        let z = source.gaussian(sigma: model.noise)
                        if toView1 { x1.storage[base + c] = z } else { x2.storage[base + c] = z }
                    }
                }
            }
        }
        return SampleBatch(count: n, patches: P, view1: x1, view2: x2, features: features,
                           signs: signs, featurePatchesInView1: inView1)
    }
}
