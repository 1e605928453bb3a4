import Foundation
@testable import HeadFlowData

/// Files the image-loader tests write: IDX and `.npy` bytes built by hand from their specs, in a
/// temporary directory removed when the value is released.
final class ImageFixtureDirectory {
    /// The directory's path.
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-images-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to the file `name` in the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Builders of data files in the formats the loaders read.
enum ImageFixture {
    /// An IDX file: magic `00 00 08 DD`, the sizes big-endian, then `values`.
    static func idx(shape: [Int], _ values: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(shape.count)]
        for d in shape { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return b + values
    }

    /// A `.npy` file of format `version` with the header dict of `descr`, `shape` and `fortran`,
    /// padded (with spaces and a newline) to a multiple of 64 bytes as NumPy writes it, then `data`.
    static func npy(descr: String, shape: [Int], _ data: [UInt8], version: UInt8 = 1, fortran: Bool = false) -> [UInt8] {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(tuple), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        let n = dict.utf8.count
        var b: [UInt8] = NPYFile.magic + [version, 0]
        b += version == 1 ? [UInt8(n & 255), UInt8(n >> 8)] : [UInt8(n & 255), UInt8(n >> 8 & 255), UInt8(n >> 16 & 255), UInt8(n >> 24)]
        return b + Array(dict.utf8) + data
    }

    /// `values` as little-endian elements of the NumPy type `descr` (`|u1`, `<i4`, `<f8`, …).
    static func encode(_ values: [Double], descr: String) -> [UInt8] {
        let kind = Array(descr)[1], size = Int(String(descr.dropFirst(2)))!
        var out: [UInt8] = []
        for v in values {
            let bits: UInt64
            switch (kind, size) {
            case ("f", 4): bits = UInt64(Float(v).bitPattern)
            case ("f", 8): bits = v.bitPattern
            case ("i", _): bits = UInt64(bitPattern: Int64(v))
            default: bits = UInt64(v)
            }
            for k in 0..<size { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
        }
        return out
    }

    /// Pseudo-random bytes from `seed` (a 64-bit LCG: the same bytes on every run).
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: s >> 33)
        }
    }

    /// The image set the loaders must return for `pixels` (bytes, `/255`) and `labels`.
    static func expected(n: Int, h: Int, w: Int, c: Int, pixels: [UInt8], labels: [Int]) -> ImageSet {
        ImageSet(count: n, height: h, width: w, channels: c, pixels: pixels.map { Float($0) / 255 }, labels: labels)
    }

    /// The four files of a consistent set (training `n` images, test `t`, `h×w`, IDX plain) in `dir`.
    static func idxSet(in dir: ImageFixtureDirectory, n: Int = 5, t: Int = 3, h: Int = 4, w: Int = 3,
                       seed: UInt64 = 1) throws -> ImageFilePaths {
        let px = bytes(n * h * w, seed: seed), tx = bytes(t * h * w, seed: seed + 1)
        return ImageFilePaths(images: try dir.write("images.idx", idx(shape: [n, h, w], px)),
                              labels: try dir.write("labels.idx", idx(shape: [n], (0..<n).map { UInt8($0 % 10) })),
                              testImages: try dir.write("test-images.idx", idx(shape: [t, h, w], tx)),
                              testLabels: try dir.write("test-labels.idx", idx(shape: [t], (0..<t).map { UInt8($0 % 10) })))
    }
}

import Testing

/// The builders against the formats' own bytes, so that a wrong fixture cannot make the loader tests agree with it.
@Suite("Image file fixtures: the bytes the specs give")
struct ImageFixtureTests {
    @Test("IDX: magic 00 00 08 01, size 2 big-endian, then the values; .npy: NumPy's magic, version, header padded to 64")
    func bytes() {
        #expect(ImageFixture.idx(shape: [2], [7, 9]) == [0, 0, 8, 1, 0, 0, 0, 2, 7, 9])
        #expect(ImageFixture.idx(shape: [1, 256, 3], []).suffix(12) == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 3])
        let npy = ImageFixture.npy(descr: "|u1", shape: [2], [7, 9])
        // numpy.save of np.array([7, 9], dtype=np.uint8) starts 93 'NUMPY' 01 00, then the header's length (little-endian).
        #expect(Array(npy.prefix(8)) == [0x93, 78, 85, 77, 80, 89, 1, 0])
        let headerLength = Int(npy[8]) + Int(npy[9]) << 8
        #expect((10 + headerLength) % 64 == 0 && npy.count == 10 + headerLength + 2)
        #expect(String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
                    .hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"))
        #expect(npy[10 + headerLength - 1] == 10 && Array(npy.suffix(2)) == [7, 9])
    }
}
