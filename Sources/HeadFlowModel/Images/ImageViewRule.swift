import HeadFlowNumerics

/// How the two views `X⁽¹⁾`, `X⁽²⁾` of an image are made (docs/MODEL.md §1 on real data).
///
/// The paper's random mask: every patch goes to view 1 with probability `q` (`maskProbability`), else to
/// view 2 (an independent coin per patch, as `SampleGenerator` does); a patch missing from a view is a zero
/// patch there, contributing `σ(0) = 0`. Optional augmentations, each off by default, are drawn
/// independently for the two views and applied to the pixels (in `[0, 1]`, before standardization), in
/// this order: a horizontal flip with probability 1/2 (`flip`), a translation by `(δ_y, δ_x)`, each
/// uniform on `−k … k` (`shift = k`; pixels shifted in are 0), and Gaussian pixel noise `N(0, σ²)` added to
/// every pixel value (`noise = σ`; not clipped). Each view then keeps the patches the mask gave it.
public struct ImageViewRule: Sendable, Equatable {
    /// `q`: the probability that a patch goes to view 1 (0.5: a fair coin).
    public var maskProbability: Double
    /// `k`: the largest translation in pixels (0: none).
    public var shift: Int
    /// A horizontal flip with probability 1/2.
    public var flip: Bool
    /// `σ` of the pixel noise (0: none).
    public var noise: Double

    /// The mask with probability `q` and the given augmentations (all off by default).
    public init(maskProbability: Double = 0.5, shift: Int = 0, flip: Bool = false, noise: Double = 0) {
        self.maskProbability = maskProbability; self.shift = shift; self.flip = flip; self.noise = noise
    }

    /// True when any augmentation (flip, shift, noise) is on.
    public var augments: Bool { flip || shift > 0 || noise > 0 }

    /// Throws a `ParameterError` unless `q ∈ (0, 1)`, `0 ≤ k ≤ 255` and `σ` is finite and ≥ 0.
    public func validate() throws(ParameterError) {
        try require(maskProbability, "mask-prob", "in (0, 1)", { $0 > 0 && $0 < 1 })
        try require(shift, "shift", "an integer in 0…255 (pixels)", { $0 >= 0 && $0 <= 255 })
        try require(noise, "pixel-noise", "a finite σ ≥ 0", { $0 >= 0 })
    }
}
