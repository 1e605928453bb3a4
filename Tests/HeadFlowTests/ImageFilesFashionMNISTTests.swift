import Testing
@testable import HeadFlowData

/// The real data: Debian's `dataset-fashion-mnist` (installed by scripts/setup). The reference
/// numbers were read from the same files with Python (`gzip` + NumPy, `hashlib.sha256`).
@Suite("Image files: Fashion-MNIST as Debian installs it")
struct ImageFilesFashionMNISTTests {
    @Test("60,000 + 10,000 images 28×28, 6,000 (1,000) per class, pixel sums and SHA-256 as NumPy reads them")
    func fashionMNIST() throws {
        let data = try ImageSource.fashionMNIST.load()
        #expect(data.train.count == 60_000 && data.test.count == 10_000)
        #expect([data.train.height, data.train.width, data.train.channels] == [28, 28, 1])
        #expect([data.test.height, data.test.width, data.test.channels] == [28, 28, 1])
        for (set, perClass) in [(data.train, 6_000), (data.test, 1_000)] {
            var counts = [Int](repeating: 0, count: 10)
            for l in set.labels { counts[l] += 1 }
            #expect(counts == [Int](repeating: perClass, count: 10))
        }
        // Σ pixels · 255 is the sum of the uint8 bytes exactly (each pixel is k/255 rounded to Float).
        let byteSum = { (s: ImageSet) in s.pixels.reduce(0) { $0 + Int(($1 * 255).rounded()) } }
        #expect(byteSum(data.train) == 3_431_114_169)
        #expect(byteSum(data.test) == 573_469_082)
        let mean = data.train.pixels.reduce(0.0) { $0 + Double($1) } / Double(data.train.pixels.count)
        // Each Float pixel is k/255 to 2⁻²⁴ relative: the mean agrees with NumPy's to about 10⁻⁸.
        #expect(abs(mean - 0.2860405969887955) < 1e-7)
        #expect(data.files.map(\.path) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                           "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
                .map { "/usr/share/datasets/fashion-mnist/\($0)" })
        #expect(data.files.map(\.sha256) == [
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        ])
        #expect(data.train.labels.prefix(5) == [9, 0, 0, 3, 0])
    }
}
