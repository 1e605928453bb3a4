/// Where the images of a run come from (issue 20): Fashion-MNIST as Debian's `dataset-fashion-mnist`
/// installs it, or four files a user names. `load()` reads and checks all four before returning.
public enum ImageSource: Sendable, Equatable {
    /// Fashion-MNIST (Zalando, MIT): 60,000 training and 10,000 test images, 28×28 greyscale, 10
    /// classes, from the IDX gzip files in `directory`.
    case fashionMNIST(directory: String)
    /// Training and test images and labels from user files (IDX or `.npy`, plain or gzip).
    case files(ImageFilePaths)

    /// Where Debian's `dataset-fashion-mnist` installs its files.
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Fashion-MNIST from Debian's directory.
    public static var fashionMNIST: ImageSource { .fashionMNIST(directory: fashionMNISTDirectory) }

    /// The four files read: Fashion-MNIST's are `train-images-idx3-ubyte.gz`,
    /// `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz`.
    public var paths: ImageFilePaths {
        switch self {
        case .fashionMNIST(let directory):
            let d = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            return ImageFilePaths(images: "\(d)/train-images-idx3-ubyte.gz", labels: "\(d)/train-labels-idx1-ubyte.gz",
                                  testImages: "\(d)/t10k-images-idx3-ubyte.gz", testLabels: "\(d)/t10k-labels-idx1-ubyte.gz")
        case .files(let paths):
            return paths
        }
    }

    /// Reads and checks the four files: the training and test sets with their labels, and each
    /// file's path and SHA-256. Throws an `ImageFileError` naming the first file that is missing,
    /// unreadable, truncated, corrupt, of a wrong format, or inconsistent: labels not one per image,
    /// a non-integer or negative label, test images of another `H×W×C` than the training images.
    public func load() throws(ImageFileError) -> ImageData {
        let p = paths
        let (trainImages, trainImagesSHA) = try ImageFileReader.images(p.images)
        let (trainLabels, trainLabelsSHA) = try ImageFileReader.labels(p.labels)
        try Self.requireOneLabelPerImage(trainLabels.count, labels: p.labels, images: trainImages.count, imagesPath: p.images)
        let (testImages, testImagesSHA) = try ImageFileReader.images(p.testImages)
        let shape = { (s: ImageSet) in "\(s.height)×\(s.width)×\(s.channels)" }
        guard (testImages.height, testImages.width, testImages.channels) == (trainImages.height, trainImages.width, trainImages.channels) else {
            throw ImageFileError(p.testImages, "test images are \(shape(testImages)) but the training images are \(shape(trainImages)) in \(p.images)")
        }
        let (testLabels, testLabelsSHA) = try ImageFileReader.labels(p.testLabels)
        try Self.requireOneLabelPerImage(testLabels.count, labels: p.testLabels, images: testImages.count, imagesPath: p.testImages)
        var train = trainImages, test = testImages
        train.labels = trainLabels
        test.labels = testLabels
        return ImageData(train: train, test: test, files: [
            ImageFileRecord(role: "images", path: p.images, sha256: trainImagesSHA),
            ImageFileRecord(role: "labels", path: p.labels, sha256: trainLabelsSHA),
            ImageFileRecord(role: "test-images", path: p.testImages, sha256: testImagesSHA),
            ImageFileRecord(role: "test-labels", path: p.testLabels, sha256: testLabelsSHA),
        ])
    }

    /// Throws, naming the labels file, unless it has one label per image.
    private static func requireOneLabelPerImage(_ count: Int, labels: String, images: Int, imagesPath: String) throws(ImageFileError) {
        guard count == images else { throw ImageFileError(labels, "\(count) labels but \(images) images in \(imagesPath)") }
    }
}

/// The four files of a user's image set: training images and labels, test images and labels
/// (each IDX or `.npy`, plain or gzip).
public struct ImageFilePaths: Sendable, Equatable {
    /// Training images (`--images`).
    public var images: String
    /// Training labels (`--labels`).
    public var labels: String
    /// Test images (`--test-images`).
    public var testImages: String
    /// Test labels (`--test-labels`).
    public var testLabels: String

    /// The four paths.
    public init(images: String, labels: String, testImages: String, testLabels: String) {
        self.images = images; self.labels = labels; self.testImages = testImages; self.testLabels = testLabels
    }
}

/// One data file of a run, as recorded in its JSON: its role, path and SHA-256.
public struct ImageFileRecord: Sendable, Equatable {
    /// `images`, `labels`, `test-images` or `test-labels` (the CLI option's name).
    public let role: String
    /// The path read.
    public let path: String
    /// SHA-256 of the file as stored (compressed, when it is gzip), 64 lower-case hex digits.
    public let sha256: String

    /// A record of the file `path` in `role` with digest `sha256`.
    public init(role: String, path: String, sha256: String) { self.role = role; self.path = path; self.sha256 = sha256 }
}

/// What `ImageSource.load()` returns: the training and test sets and the four files read.
public struct ImageData: Sendable, Equatable {
    /// The training images and labels.
    public let train: ImageSet
    /// The test images and labels (same `H×W×C` as `train`).
    public let test: ImageSet
    /// The files read, in the order images, labels, test-images, test-labels.
    public let files: [ImageFileRecord]
}
