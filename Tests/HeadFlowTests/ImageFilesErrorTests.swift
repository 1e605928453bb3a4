import Foundation
import Testing
@testable import HeadFlowData

/// Every bad data file is one line naming the file and what is wrong (the CLI adds `headflow: ` and
/// exits 64): never a crash, never a partial image set.
@Suite("Image files: a missing, truncated, mis-sized, corrupt or mismatched file is one line naming it")
struct ImageFilesErrorTests {
    /// The error `load()` throws for `paths`, checked to be one line starting with `file`, the file at fault.
    private func failure(_ paths: ImageFilePaths, blaming file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        do {
            let data = try ImageSource.files(paths).load()
            Issue.record("loaded \(data.train.count) images, expected an error naming \(file)", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.path == file, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("\(file): "), sourceLocation: sourceLocation)
            #expect(!error.description.contains { $0.isNewline }, sourceLocation: sourceLocation)
            return error.problem
        }
    }

    @Test("a consistent set loads (the fixture the corruptions start from)")
    func fixtureLoads() throws {
        let dir = try ImageFixtureDirectory()
        let data = try ImageSource.files(try ImageFixture.idxSet(in: dir)).load()
        #expect(data.train.count == 5 && data.test.count == 3 && data.train.height == 4 && data.train.width == 3)
    }

    @Test("missing file, directory, empty file, text file")
    func unreadable() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        p.images = "\(dir.path)/nothing-here.idx"
        #expect(try failure(p, blaming: p.images) == "no such file or directory")
        p.images = dir.path
        #expect(try failure(p, blaming: p.images) == "not a regular file")
        p.images = try dir.write("empty", [])
        #expect(try failure(p, blaming: p.images) == "empty file")
        p.images = try dir.write("text.csv", Array("label,pixel0\n1,0\n".utf8))
        #expect(try failure(p, blaming: p.images).hasPrefix("not an IDX or .npy file"))
    }

    @Test("labels count ≠ images count: the labels file is named, with the images file")
    func labelCount() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        p.labels = try dir.write("labels4.idx", ImageFixture.idx(shape: [4], [0, 1, 2, 3]))
        #expect(try failure(p, blaming: p.labels) == "4 labels but 5 images in \(p.images)")
        p = try ImageFixture.idxSet(in: dir)
        p.testLabels = try dir.write("test-labels4.idx", ImageFixture.idx(shape: [4], [0, 1, 2, 3]))
        #expect(try failure(p, blaming: p.testLabels) == "4 labels but 3 images in \(p.testImages)")
    }

    @Test("truncated, padded, or a header that lies about its size")
    func sizes() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: p.images)))
        p.images = try dir.write("short.idx", Array(good.dropLast()))
        #expect(try failure(p, blaming: p.images) == "truncated: the IDX header says 5×4×3 (60 bytes of data) but the file has 59")
        p.images = try dir.write("long.idx", good + [0, 0])
        #expect(try failure(p, blaming: p.images) == "mis-sized: the IDX header says 5×4×3 (60 bytes of data) but the file has 62 (2 extra)")
        p.images = try dir.write("lies.idx", ImageFixture.idx(shape: [60000, 4, 3], Array(good.dropFirst(16))))
        #expect(try failure(p, blaming: p.images).hasPrefix("truncated: the IDX header says 60000×4×3"))
        p.images = try dir.write("header.idx", Array(good.prefix(9)))
        #expect(try failure(p, blaming: p.images) == "truncated: 9 bytes, shorter than its 16-byte IDX header")
        p.images = try dir.write("lies.npy", ImageFixture.npy(descr: "<f4", shape: [5, 4, 3], [UInt8](repeating: 0, count: 200)))
        #expect(try failure(p, blaming: p.images) == "truncated: the .npy header says 5×4×3 (240 bytes of data) but the file has 200")
        var npy = ImageFixture.npy(descr: "|u1", shape: [5, 4, 3], [UInt8](repeating: 0, count: 60))
        npy[8] = 255; npy[9] = 255
        p.images = try dir.write("header-length.npy", npy)
        #expect(try failure(p, blaming: p.images).hasPrefix("truncated: the .npy header is 65535 bytes"))
    }

    @Test("a wrong magic number: labels given as images, images as labels")
    func magic() throws {
        let dir = try ImageFixtureDirectory()
        let p = try ImageFixture.idxSet(in: dir)
        var swapped = p
        swapped.images = p.labels
        #expect(try failure(swapped, blaming: p.labels) == "wrong magic number 0x00000801 for IDX images (expected 0x00000803)")
        swapped = p
        swapped.labels = p.images
        #expect(try failure(swapped, blaming: p.images) == "wrong magic number 0x00000803 for IDX labels (expected 0x00000801)")
    }

    @Test("corrupt and truncated gzip")
    func gzip() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir, n: 50, h: 8, w: 8)
        let packed = Gzip.compress(try [UInt8](Data(contentsOf: URL(fileURLWithPath: p.images))))
        var corrupt = packed
        for i in 12..<min(40, corrupt.count - 8) { corrupt[i] ^= 0x5a }
        p.images = try dir.write("corrupt.gz", corrupt)
        #expect(try failure(p, blaming: p.images).hasPrefix("corrupt gzip data ("))
        p.images = try dir.write("cut.gz", Array(packed.prefix(packed.count / 2)))
        #expect(try failure(p, blaming: p.images).hasPrefix("truncated gzip data"))
        p.images = try dir.write("trailing.gz", packed + [1, 2, 3])
        #expect(try failure(p, blaming: p.images) == "3 bytes of trailing garbage after the gzip data")
    }

    @Test("non-integer, negative and huge labels")
    func badLabels() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        for (descr, values, problem) in [("<f8", [0, 2.5, 1, 1, 1], "non-integer label 2.5 at index 1"),
                                         ("<f4", [0, 1, 1, .nan, 1], "non-integer label nan at index 3"),
                                         ("<i4", [0, 1, -1, 1, 1], "negative label -1 at index 2"),
                                         ("<i8", [0, 1, 1, 1, 1e7], "label 10000000.0 at index 4 is larger than 65535")] {
            p.labels = try dir.write("labels\(descr.dropFirst()).npy", ImageFixture.npy(descr: descr, shape: [5], ImageFixture.encode(values, descr: descr)))
            #expect(try failure(p, blaming: p.labels) == problem)
        }
    }

    @Test("test images of another H×W×C than the training images")
    func testShape() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        p.testImages = try dir.write("test-5x3.idx", ImageFixture.idx(shape: [3, 5, 3], ImageFixture.bytes(45, seed: 4)))
        #expect(try failure(p, blaming: p.testImages) == "test images are 5×3×1 but the training images are 4×3×1 in \(p.images)")
        p.testImages = try dir.write("test-rgb.npy", ImageFixture.npy(descr: "|u1", shape: [3, 4, 3, 3], ImageFixture.bytes(108, seed: 4)))
        #expect(try failure(p, blaming: p.testImages) == "test images are 4×3×3 but the training images are 4×3×1 in \(p.images)")
    }

    @Test(".npy: Fortran order, unsupported or big-endian dtypes, wrong ranks, bad versions, non-finite pixels")
    func npyFormat() throws {
        let dir = try ImageFixtureDirectory()
        var p = try ImageFixture.idxSet(in: dir)
        let cases: [([UInt8], String)] = [
            (ImageFixture.npy(descr: "|u1", shape: [5, 4, 3], [UInt8](repeating: 0, count: 60), fortran: true),
             "Fortran-order .npy arrays are not supported (save it in C order, np.ascontiguousarray)"),
            (ImageFixture.npy(descr: "<c8", shape: [5, 4, 3], [UInt8](repeating: 0, count: 480)),
             ".npy dtype '<c8' is not supported (uint8, float32, float64 or an integer type)"),
            (ImageFixture.npy(descr: ">f4", shape: [5, 4, 3], [UInt8](repeating: 0, count: 240)),
             "big-endian .npy dtype '>f4' is not supported (little-endian only)"),
            (ImageFixture.npy(descr: "<i2", shape: [5, 4, 3], [UInt8](repeating: 0, count: 120)),
             "images must be uint8, float32 or float64, not int16"),
            (ImageFixture.npy(descr: "|u1", shape: [5, 12], [UInt8](repeating: 0, count: 60)),
             "images must be N×H×W or N×H×W×C, not 5×12"),
            (ImageFixture.npy(descr: "|u1", shape: [0, 4, 3], []), "no images (shape 0×4×3)"),
            (ImageFixture.npy(descr: "<f4", shape: [5, 4, 3], ImageFixture.encode([0, 0, .infinity] + [Double](repeating: 0, count: 57), descr: "<f4")),
             "pixel 2 is inf, not a finite number"),
            (Array(ImageFixture.npy(descr: "|u1", shape: [5, 4, 3], [UInt8](repeating: 0, count: 60)).enumerated().map { $0.offset == 6 ? 9 : $0.element }),
             ".npy format version 9.0 is not supported (1, 2 or 3)"),
        ]
        for (k, (bytes, problem)) in cases.enumerated() {
            p.images = try dir.write("case\(k).npy", bytes)
            #expect(try failure(p, blaming: p.images) == problem)
        }
        p = try ImageFixture.idxSet(in: dir)
        p.labels = try dir.write("labels-2d.npy", ImageFixture.npy(descr: "|u1", shape: [5, 2], [UInt8](repeating: 0, count: 10)))
        #expect(try failure(p, blaming: p.labels) == "labels must be a vector N (or N×1), not 5×2")
    }
}
