import HeadFlowNumerics

/// A set of `N` images with their class labels, the real-data source of the SGD engine (issue 20).
///
/// Image `i` is `height × width × channels` pixels, row-major with the channel fastest:
/// pixel `(y, x, c)` of image `i` is `pixels[((i·H + y)·W + x)·C + c]`. Pixels are stored scaled to
/// `[0, 1]` (a `uint8` file is divided by 255; a float file is taken as given) as `Float`, which
/// holds every `k/255` to 2⁻²⁴ relative accuracy and halves the memory of `Double` (60,000 Fashion-MNIST
/// images: 188 MB). Training in float64 widens each value exactly.
public struct ImageSet: Sendable, Equatable {
    /// Number of images `N`.
    public let count: Int
    /// Rows of pixels per image `H`.
    public let height: Int
    /// Columns of pixels per image `W`.
    public let width: Int
    /// Channels per pixel `C` (1 for greyscale).
    public let channels: Int
    /// `N·H·W·C` pixel values in `[0, 1]`, image by image, row by row, channel fastest.
    public var pixels: [Float]
    /// The class label of each image (`N` values ≥ 0).
    public var labels: [Int]

    /// An image set; the sizes must match the arrays (a precondition: loaders check files first and
    /// throw a one-line error naming the file).
    public init(count: Int, height: Int, width: Int, channels: Int = 1, pixels: [Float], labels: [Int]) {
        precondition(count >= 0 && height > 0 && width > 0 && channels > 0, "ImageSet: sizes")
        precondition(pixels.count == count * height * width * channels, "ImageSet: pixel count")
        precondition(labels.count == count, "ImageSet: label count")
        self.count = count; self.height = height; self.width = width; self.channels = channels
        self.pixels = pixels; self.labels = labels
    }

    /// Values per image, `H·W·C`.
    public var imageSize: Int { height * width * channels }

    /// The first `n` images (all when `n ≥ N`).
    public func prefix(_ n: Int) -> ImageSet {
        let k = min(max(n, 0), count)
        return ImageSet(count: k, height: height, width: width, channels: channels,
                        pixels: Array(pixels[0..<(k * imageSize)]), labels: Array(labels[0..<k]))
    }

    /// The pixels of image `i` (`H·W·C` values).
    public func image(_ i: Int) -> ArraySlice<Float> { pixels[(i * imageSize)..<((i + 1) * imageSize)] }
}
