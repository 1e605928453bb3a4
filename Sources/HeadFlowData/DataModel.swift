import RealModule
import HeadFlowNumerics

/// The synthetic data distribution of docs/MODEL.md §1.
///
/// Features `v_1 … v_k` are the first `k` standard basis vectors of `R^d`;
/// a sample has `P` patches, `s` of which carry `ε α_ℓ v_ℓ` for the sample's
/// feature `ℓ ~ p` and sign `ε = ±1`; the other `P − s` are noise
/// `ξ ~ N(0, σ_ξ² Π)`, `Π = I − V Vᵀ`. Views: each patch goes to view 1 or 2 by
/// a fair coin (the random mask).
public struct DataModel: Equatable, Sendable, Codable {
    /// Ambient dimension `d`.
    public var dimension: Int
    /// Patches per sample `P`.
    public var patches: Int
    /// Feature patches per sample `s` (`1 ≤ s ≤ P`).
    public var featurePatches: Int
    /// Feature magnitudes `α_1 > α_2 ≥ … ≥ α_k > 0` (`v_1` strong, `v_2` weak).
    public var alpha: [Double]
    /// Feature probabilities `p_ℓ` (sum to 1).
    public var probabilities: [Double]
    /// Noise scale `σ_ξ`.
    public var noise: Double
    /// Probability that a patch goes to view 1 **(choice: 1/2, a fair coin)**.
    public var maskProbability: Double

    /// Number of features `k`.
    public var featureCount: Int { alpha.count }

    /// A data model; `probabilities` default to uniform `1/k`.
    public init(dimension: Int = 100, patches: Int = 32, featurePatches: Int = 8,
                alpha: [Double] = [1.5, 1.0], probabilities: [Double]? = nil,
                noise: Double = 1.0, maskProbability: Double = 0.5) {
        self.dimension = dimension
        self.patches = patches
        self.featurePatches = featurePatches
        self.alpha = alpha
        self.probabilities = probabilities ?? Array(repeating: 1.0 / Double(max(alpha.count, 1)), count: alpha.count)
        self.noise = noise
        self.maskProbability = maskProbability
    }

    // MARK: - Moments of the view split (docs/MODEL.md §3)

    /// `c_× = E[n_1 n_2]`: expected product of the feature-patch counts of the two
    /// views, `s(s−1)/4` for a fair mask (`s(s−1) q(1−q)` in general).
    public var crossViewCount: Double {
        let s = Double(featurePatches), q = maskProbability
        return s * (s - 1) * q * (1 - q)
    }

    /// `c_= = E[n_1²]`: `s(s+1)/4` for a fair mask (`s q (1 − q) + s² q²` in general).
    public var sameViewCount: Double {
        let s = Double(featurePatches), q = maskProbability
        return s * q * (1 - q) + s * s * q * q
    }

    /// `u = (P − s)/2`: mean number of noise patches in one view (`(P − s) q`).
    public var noisePatchesPerView: Double { Double(patches - featurePatches) * maskProbability }

    /// `p_ℓ α_ℓ⁶`: the weight of feature `ℓ` in every cubic moment.
    public var featureWeights: [Double] { zip(probabilities, alpha).map { $0 * Double.pow($1, 6) } }

    /// The largest correlation any neuron can reach, `(s−1)/(s+1)` = `c_× / c_=`.
    public var maximalCorrelation: Double { crossViewCount / sameViewCount }

    // MARK: - Validation

    /// Throws a `ParameterError` naming the first invalid parameter.
    ///
    /// Requires `k ≥ 1` features; `d ≥ k`; `1 ≤ s ≤ P`; every
    /// `α_ℓ > 0` finite and non-increasing with `α_1 > α_2` when `k ≥ 2` (v_1 must
    /// be the strong feature); `p_ℓ ≥ 0` summing to 1; `σ_ξ > 0`; mask
    /// probability in `(0, 1)`.
    public func validate() throws(ParameterError) {
        try require(patches, "patches", "an integer ≥ 1", { $0 >= 1 })
        try require(featurePatches, "feature-patches", "an integer in 1…P = 1…\(patches)", { $0 >= 1 && $0 <= patches })
        guard !alpha.isEmpty else { throw ParameterError("alpha", must: "a list of k ≥ 1 magnitudes", got: "an empty list") }
        let alphaText = alpha.map { "\($0)" }.joined(separator: ",")
        guard alpha.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ParameterError("alpha", must: "finite magnitudes > 0", got: alphaText)
        }
        guard zip(alpha, alpha.dropFirst()).allSatisfy({ $0 >= $1 }), alpha.count < 2 || alpha[0] > alpha[1] else {
            throw ParameterError("alpha", must: "ordered α_1 > α_2 ≥ … ≥ α_k (v_1 is the strong feature)", got: alphaText)
        }
        try require(dimension, "d", "an integer ≥ k = \(alpha.count)", { $0 >= alpha.count })
        let probText = probabilities.map { "\($0)" }.joined(separator: ",")
        guard probabilities.count == alpha.count else {
            throw ParameterError("prob", must: "a list of k = \(alpha.count) probabilities (one per --alpha)", got: probText)
        }
        let total = probabilities.reduce(0, +)
        guard probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(total - 1) < 1e-9 else {
            throw ParameterError("prob", must: "probabilities ≥ 0 summing to 1", got: probText)
        }
        try require(noise, "noise", "a finite σ_ξ > 0", { $0 > 0 })
        try require(maskProbability, "mask-prob", "in (0, 1)", { $0 > 0 && $0 < 1 })
    }
}
