/// The IDX format of the MNIST family (LeCun et al.): a big-endian magic number `00 00 TT DD`
/// (`TT` the element type, 0x08 for unsigned bytes; `DD` the number of dimensions), `DD`
/// big-endian 32-bit sizes, then the elements in C order. Images are magic 0x00000803
/// (`N×H×W` bytes), labels 0x00000801 (`N` bytes).
enum IDXFile {
    /// Magic number of an IDX file of unsigned-byte images `N×H×W`.
    static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of an IDX file of unsigned-byte labels `N`.
    static let labelsMagic: UInt32 = 0x0000_0801

    /// True when `bytes` start like an IDX file (two zero bytes).
    static func looksLikeIDX(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0 && bytes[1] == 0 }

    /// The array in the IDX file `bytes` (of `path`), which must have magic number `magic`
    /// (`imagesMagic` or `labelsMagic`; `role` names it in errors).
    static func array(_ bytes: [UInt8], path: String, magic: UInt32, role: String) throws(ImageFileError) -> StoredArray {
        guard bytes.count >= 4 else { throw ImageFileError(path, "truncated: \(bytes.count) bytes, shorter than an IDX header") }
        let found = bigEndian(bytes, 0)
        guard found == magic else {
            throw ImageFileError(path, "wrong magic number \(hex(found)) for IDX \(role) (expected \(hex(magic)))")
        }
        let dimensions = Int(bytes[3])
        let header = 4 + 4 * dimensions
        guard bytes.count >= header else {
            throw ImageFileError(path, "truncated: \(bytes.count) bytes, shorter than its \(header)-byte IDX header")
        }
        let shape = (0..<dimensions).map { Int(bigEndian(bytes, 4 + 4 * $0)) }
        return try StoredArray(shape: shape, element: .unsigned(bytes: 1), offset: header, bytes: bytes, path: path, what: "IDX")
    }

    /// The big-endian 32-bit word at `offset`.
    private static func bigEndian(_ b: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(b[offset]) << 24 | UInt32(b[offset + 1]) << 16 | UInt32(b[offset + 2]) << 8 | UInt32(b[offset + 3])
    }

    /// `0x00000803`.
    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
