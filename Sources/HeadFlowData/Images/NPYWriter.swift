#if canImport(Glibc)
import Glibc
#endif
import HeadFlowNumerics

/// Writes arrays as NumPy `.npy` files, format version 1.0, byte for byte as `numpy.save` writes them:
/// the magic `\x93NUMPY`, version `01 00`, the header's length (16-bit little-endian), the header
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (R, C), }` followed by NumPy's spare spaces for a
/// growing first axis (`21 −` the digits of the first dimension; none for a 0-d array), spaces and a newline
/// so that the elements start at a multiple of 64 bytes, then the elements in C order (the last index
/// fastest), little-endian: `<f8` for `Double`, `<i8` for `Int64`. The inverse of `NPYFile`'s reader
/// for these two types (no Foundation in the library layers: POSIX `open`/`write`).
public enum NPYWriter {
    /// NumPy's alignment of the data start (`numpy.lib.format.ARRAY_ALIGN`).
    static let alignment = 64
    /// NumPy's spare digits for the first axis (`numpy.lib.format.GROWTH_AXIS_MAX_DIGITS`).
    static let growthDigits = 21

    // MARK: - Bytes

    /// The `.npy` bytes of `values` (`Π shape` of them, C order) as float64 (`<f8`) of shape `shape`.
    public static func bytes(_ values: [Double], shape: [Int]) -> [UInt8] {
        file(descr: "<f8", shape: shape, count: values.count) { out in
            for v in values { append(v.bitPattern, to: &out) }
        }
    }

    /// The `.npy` bytes of `values` as int64 (`<i8`) of shape `shape`.
    public static func bytes(_ values: [Int64], shape: [Int]) -> [UInt8] {
        file(descr: "<i8", shape: shape, count: values.count) { out in
            for v in values { append(UInt64(bitPattern: v), to: &out) }
        }
    }

    /// The `.npy` bytes of a matrix: float64, shape `(rows, cols)`, row `i` before row `i + 1`.
    public static func bytes(_ matrix: Matrix) -> [UInt8] { bytes(matrix.storage, shape: [matrix.rows, matrix.cols]) }

    /// The header, from the magic through the newline (a multiple of 64 bytes long).
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        if let first = shape.first { dict += String(repeating: " ", count: max(0, growthDigits - String(first).count)) }
        let prefix = NPYFile.magic.count + 2 + 2
        let used = prefix + dict.utf8.count + 1
        dict += String(repeating: " ", count: (alignment - used % alignment) % alignment) + "\n"
        let length = dict.utf8.count
        precondition(length <= Int(UInt16.max), "NPYWriter: a version 1.0 header holds at most 65,535 bytes")
        return NPYFile.magic + [1, 0, UInt8(length & 255), UInt8(length >> 8)] + Array(dict.utf8)
    }

    /// A whole file: the header, then `count` elements of 8 bytes appended by `elements`.
    private static func file(descr: String, shape: [Int], count: Int, _ elements: (inout [UInt8]) -> Void) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 } && StoredArray.count(shape) == count,
                     "NPYWriter: \(count) values do not fill the shape \(StoredArray.text(shape))")
        var out = header(descr: descr, shape: shape)
        out.reserveCapacity(out.count + 8 * count)
        elements(&out)
        return out
    }

    /// The 8 bytes of `bits`, least significant first.
    @inline(__always)
    private static func append(_ bits: UInt64, to out: inout [UInt8]) {
        var b = bits
        for _ in 0..<8 { out.append(UInt8(truncatingIfNeeded: b)); b >>= 8 }
    }

    // MARK: - Files

    /// Writes `values` (float64, shape `shape`) to the `.npy` file `path` (created or replaced).
    public static func write(_ values: [Double], shape: [Int], to path: String) throws(FileWriteError) {
        try writeFile(bytes(values, shape: shape), to: path)
    }

    /// Writes `values` (int64, shape `shape`) to the `.npy` file `path` (created or replaced).
    public static func write(_ values: [Int64], shape: [Int], to path: String) throws(FileWriteError) {
        try writeFile(bytes(values, shape: shape), to: path)
    }

    /// Writes a matrix (float64, `rows × cols`) to the `.npy` file `path` (created or replaced).
    public static func write(_ matrix: Matrix, to path: String) throws(FileWriteError) {
        try writeFile(bytes(matrix), to: path)
    }

    /// Writes `bytes` to the regular file `path` (mode 0644, created or truncated) with POSIX `open`/`write`:
    /// the one file writer of this layer (also a trace's `meta.json`). Nothing else is created.
    ///
    /// - Throws: `FileWriteError` naming `path` and the system's reason (`no such file or directory`,
    ///   `permission denied`, `no space left on device`, …).
    public static func writeFile(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path, errno: errno) }
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if wrote < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw FileWriteError(path, errno: code)
            }
            done += wrote
        }
        guard close(fd) == 0 else { throw FileWriteError(path, errno: errno) }
    }

    /// Creates the directory `path` and its missing parents (mode 0755); an existing directory is fine.
    ///
    /// - Throws: `FileWriteError` naming the first component that could not be made or is not a directory.
    public static func makeDirectory(_ path: String) throws(FileWriteError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") where !part.isEmpty {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw FileWriteError(prefix, errno: errno) }
            var info = stat()
            guard stat(prefix, &info) == 0 else { throw FileWriteError(prefix, errno: errno) }
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw FileWriteError(prefix, "exists and is not a directory") }
        }
    }
}

/// A file that could not be written: its path and what went wrong, one line (`PATH: PROBLEM`).
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or directory at fault.
    public let path: String
    /// What went wrong, in words (one line).
    public let problem: String

    /// An error for `path`: `problem` says what went wrong (line breaks become spaces).
    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = String(problem.map { $0.isNewline ? " " : $0 })
    }

    /// An error for `path` with the system's text for `code` in lower case (`permission denied`).
    public init(_ path: String, errno code: Int32) {
        let text = String(cString: strerror(code))
        self.init(path, "cannot write: " + text.prefix(1).lowercased() + text.dropFirst())
    }

    /// One line: `PATH: PROBLEM`.
    public var description: String { "\(path): \(problem)" }
}
