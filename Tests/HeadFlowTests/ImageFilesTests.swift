import Foundation
import PropertyBased
import Testing
@testable import HeadFlowData

/// The image loaders (issue 20): IDX and `.npy`, plain or gzip, give the same `ImageSet`; every
/// corrupt or inconsistent file is one thrown line naming the file.
@Suite("Image files: IDX and .npy, plain or gzip, read into the same ImageSet")
struct ImageFilesTests {
    /// Loads the four files of `paths`.
    private func load(_ paths: ImageFilePaths) throws -> ImageData { try ImageSource.files(paths).load() }

    @Test("IDX plain and gzip, .npy uint8/float32/float64 (versions 1, 2, 3) give the same images and labels")
    func roundTrip3D() throws {
        let dir = try ImageFixtureDirectory()
        let (n, h, w) = (6, 5, 4)
        let px = ImageFixture.bytes(n * h * w, seed: 7), labels = [3, 0, 9, 1, 1, 2]
        let expected = ImageFixture.expected(n: n, h: h, w: w, c: 1, pixels: px, labels: labels)
        let idxImages = ImageFixture.idx(shape: [n, h, w], px), idxLabels = ImageFixture.idx(shape: [n], labels.map(UInt8.init))
        var variants: [(images: [UInt8], labels: [UInt8])] = [
            (idxImages, idxLabels), (Gzip.compress(idxImages), Gzip.compress(idxLabels)), (idxImages, Gzip.compress(idxLabels)),
        ]
        let doubles = px.map(Double.init)
        for (descr, values) in [("|u1", doubles), ("<f4", doubles.map { Double(Float($0) / 255) }), ("<f8", doubles.map { $0 / 255 })] {
            for version: UInt8 in [1, 2, 3] {
                let file = ImageFixture.npy(descr: descr, shape: [n, h, w], ImageFixture.encode(values, descr: descr), version: version)
                variants.append((file, idxLabels))
            }
            variants.append((Gzip.compress(ImageFixture.npy(descr: descr, shape: [n, h, w], ImageFixture.encode(values, descr: descr))), idxLabels))
        }
        for (k, v) in variants.enumerated() {
            let images = try dir.write("images-\(k)", v.images), labelsPath = try dir.write("labels-\(k)", v.labels)
            let data = try load(ImageFilePaths(images: images, labels: labelsPath, testImages: images, testLabels: labelsPath))
            #expect(data.train == expected, "variant \(k)")
            #expect(data.test == expected, "variant \(k)")
            #expect(data.files.map(\.role) == ["images", "labels", "test-images", "test-labels"])
            #expect(data.files[0].sha256.count == 64 && data.files[0].sha256 == data.files[2].sha256)
        }
    }

    @Test(".npy N×H×W×C images in uint8, float32 and float64 give the same colour images")
    func roundTrip4D() throws {
        let dir = try ImageFixtureDirectory()
        let (n, h, w, c) = (4, 3, 2, 3)
        let px = ImageFixture.bytes(n * h * w * c, seed: 11), labels = [0, 1, 2, 1]
        let expected = ImageFixture.expected(n: n, h: h, w: w, c: c, pixels: px, labels: labels)
        let labelsPath = try dir.write("labels.npy", ImageFixture.npy(descr: "<i8", shape: [n], ImageFixture.encode(labels.map(Double.init), descr: "<i8")))
        let doubles = px.map(Double.init)
        for (descr, values) in [("|u1", doubles), ("<f4", doubles.map { Double(Float($0) / 255) }), ("<f8", doubles.map { $0 / 255 })] {
            let images = try dir.write("images\(descr.dropFirst()).npy", ImageFixture.npy(descr: descr, shape: [n, h, w, c], ImageFixture.encode(values, descr: descr)))
            let data = try load(ImageFilePaths(images: images, labels: labelsPath, testImages: images, testLabels: labelsPath))
            #expect(data.train == expected, "\(descr)")
            #expect(data.train.channels == 3 && data.train.image(1).count == h * w * c)
        }
    }

    @Test("labels in every integer dtype, and floats that are whole numbers, read the same; N×1 too")
    func labelDtypes() throws {
        let dir = try ImageFixtureDirectory()
        let labels = [4, 0, 7, 2, 2]
        let images = try dir.write("images.idx", ImageFixture.idx(shape: [5, 2, 2], ImageFixture.bytes(20, seed: 3)))
        for descr in ["|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f4", "<f8"] {
            for shape in [[5], [5, 1]] {
                let file = try dir.write("labels\(descr.dropFirst())-\(shape.count).npy",
                                         ImageFixture.npy(descr: descr, shape: shape, ImageFixture.encode(labels.map(Double.init), descr: descr)))
                let data = try load(ImageFilePaths(images: images, labels: file, testImages: images, testLabels: file))
                #expect(data.train.labels == labels, "\(descr) \(shape)")
            }
        }
    }

    /// Property: for any sizes and bytes, the IDX (gzip) and `.npy` files of one image set read back as that set.
    @Test("property: random sizes and pixels round-trip through IDX gzip and .npy")
    func randomRoundTrips() async throws {
        await propertyCheck(count: 25, input: Gen.int(in: 1...12), Gen.int(in: 1...7), Gen.int(in: 1...7), Gen.int(in: 1...3), Gen.int(in: 0...1_000_000)) { n, h, w, c, seed in
            let dir = try ImageFixtureDirectory()
            let px = ImageFixture.bytes(n * h * w * c, seed: UInt64(seed)), labels = (0..<n).map { ($0 * 7 + seed) % 10 }
            let expected = ImageFixture.expected(n: n, h: h, w: w, c: c, pixels: px, labels: labels)
            let labelsPath = try dir.write("labels.gz", Gzip.compress(ImageFixture.idx(shape: [n], labels.map(UInt8.init))))
            var files = [try dir.write("images.npy", ImageFixture.npy(descr: "|u1", shape: c == 1 ? [n, h, w] : [n, h, w, c], px))]
            if c == 1 { files.append(try dir.write("images.gz", Gzip.compress(ImageFixture.idx(shape: [n, h, w], px)))) }
            for images in files {
                let data = try load(ImageFilePaths(images: images, labels: labelsPath, testImages: images, testLabels: labelsPath))
                #expect(data.train == expected && data.test == expected)
            }
        }
    }

    @Test("a gzip stream of several members (concatenated .gz files) reads as their concatenation")
    func multiMemberGzip() throws {
        let a = ImageFixture.bytes(1000, seed: 1), b = ImageFixture.bytes(777, seed: 2)
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b), path: "x") == a + b)
        #expect(try Gzip.decompress(Gzip.compress([]), path: "x") == [])
    }
}
