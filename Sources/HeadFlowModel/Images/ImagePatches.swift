import HeadFlowNumerics
import HeadFlowData

/// How an `H × W × C` image is cut into the paper's patches `X_1 … X_P` (docs/MODEL.md §1, on real data).
///
/// Patch `(a, b)` (row `a`, column `b` of the patch grid) covers pixel rows `a·s … a·s + p − 1` and
/// columns `b·s … b·s + p − 1`; it is the vector of its `p·p·C` values in the image's order (row,
/// column, channel fastest), so `d = p²C`. Patches are numbered row by row: `X_{a·G_x + b}`. With
/// `s = p` (the default) they do not overlap: 28 × 28 with `p = 7` gives `P = 16`, `d = 49`. Pixels past
/// the last full patch (when `(H − p)` is not a multiple of `s`) belong to no patch.
public struct ImagePatches: Sendable, Equatable {
    /// Image rows `H`.
    public let height: Int
    /// Image columns `W`.
    public let width: Int
    /// Channels `C`.
    public let channels: Int
    /// Patch side `p` (pixels).
    public let size: Int
    /// Stride `s` between patch origins (pixels); `s = p`: non-overlapping.
    public let stride: Int

    /// The patches of side `size` and stride `stride` (default `size`) of `height × width × channels` images.
    public init(height: Int, width: Int, channels: Int = 1, size: Int, stride: Int? = nil) {
        self.height = height; self.width = width; self.channels = channels
        self.size = size; self.stride = stride ?? size
    }

    /// The patches of `images`' geometry.
    public init(of images: ImageSet, size: Int, stride: Int? = nil) {
        self.init(height: images.height, width: images.width, channels: images.channels, size: size, stride: stride)
    }

    /// Patch rows of the grid, `⌊(H − p)/s⌋ + 1`.
    public var gridRows: Int { (height - size) / stride + 1 }
    /// Patch columns of the grid, `⌊(W − p)/s⌋ + 1`.
    public var gridColumns: Int { (width - size) / stride + 1 }
    /// Patches per image `P`.
    public var count: Int { gridRows * gridColumns }
    /// Patch dimension `d = p²C`.
    public var dimension: Int { size * size * channels }

    /// Where patch `q` (0-based) starts in an image's pixel array: `((a·s)·W + b·s)·C`.
    public func origin(_ q: Int) -> Int {
        let a = q / gridColumns, b = q % gridColumns
        return ((a * stride) * width + b * stride) * channels
    }

    /// Throws a `ParameterError` unless `1 ≤ p ≤ min(H, W)` and `1 ≤ s`.
    public func validate() throws(ParameterError) {
        try require(size, "patch", "an integer in 1…min(H, W) = 1…\(min(height, width)) (the images are \(height)×\(width))",
                    { $0 >= 1 && $0 <= min(height, width) })
        try require(stride, "patch-stride", "an integer ≥ 1", { $0 >= 1 })
    }
}
