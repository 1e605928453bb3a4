import HeadFlowNumerics
import HeadFlowData

/// The pixel scaling of the image network: `x̃_k = (x_k − μ_k) / s`, with `μ_k` the training set's mean of
/// pixel `k` (per position and channel) and `s` its overall standard deviation about those means,
/// `s² = (1/(N·D)) Σ_i Σ_k (x_ik − μ_k)²` (`D = H·W·C`), so that the scaled pixels have mean 0 at every
/// position and mean variance 1. The same `μ`, `s` scale every image the network sees (test images too).
public struct PixelStandardization: Sendable, Equatable {
    /// `μ_k`, one per pixel value of an image (`H·W·C`, the image's order).
    public let mean: [Double]
    /// `s > 0`.
    public let scale: Double

    /// Explicit `μ` (one per pixel value) and `s > 0`.
    public init(mean: [Double], scale: Double) {
        precondition(scale > 0 && scale.isFinite, "PixelStandardization: s must be finite and > 0")
        self.mean = mean; self.scale = scale
    }

    /// `μ` and `s` of `images` (the training set).
    ///
    /// - Throws: `ParameterError` (`images`) when the set is empty or every pixel is constant across it
    ///   (`s = 0`: nothing to scale by).
    public init(training images: ImageSet) throws(ParameterError) {
        guard images.count >= 1 else { throw ParameterError("images", must: "at least one training image", got: "0") }
        let size = images.imageSize, n = images.count
        var mean = [Double](repeating: 0, count: size), squares = [Double](repeating: 0, count: size)
        images.pixels.withUnsafeBufferPointer { px in
            mean.withUnsafeMutableBufferPointer { mu in
                squares.withUnsafeMutableBufferPointer { sq in
                    for i in 0..<n { let row = px.baseAddress! + i * size; for k in 0..<size { mu[k] += Double(row[k]) } }
                    for k in 0..<size { mu[k] /= Double(n) }
                    for i in 0..<n {
                        let row = px.baseAddress! + i * size
                        for k in 0..<size { let c = Double(row[k]) - mu[k]; sq[k] += c * c }
                    }
                }
            }
        }
        let s = (squares.reduce(0, +) / Double(n * size)).squareRoot()
        guard s > 0, s.isFinite else {
            throw ParameterError("images", must: "pixels that vary across the training set (overall standard deviation > 0)", got: "s = \(s)")
        }
        self.init(mean: mean, scale: s)
    }
}
