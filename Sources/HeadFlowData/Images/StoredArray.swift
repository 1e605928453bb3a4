/// An N-dimensional array as a data file stores it: its shape, its element type and the offset of
/// its first element in the file's (decompressed) bytes, C order (the last index fastest).
/// `IDXFile` and `NPYFile` parse headers into one; `ImageFileReader` turns it into pixels or labels.
struct StoredArray {
    /// The element types the readers accept.
    enum Element: Equatable {
        /// Unsigned integer of `bytes` bytes (1, 2, 4, 8), little-endian.
        case unsigned(bytes: Int)
        /// Signed integer of `bytes` bytes (1, 2, 4, 8), little-endian.
        case signed(bytes: Int)
        /// IEEE float of `bytes` bytes (4 or 8), little-endian.
        case float(bytes: Int)

        /// Bytes per element.
        var size: Int {
            switch self { case .unsigned(let b), .signed(let b), .float(let b): b }
        }
    }

    /// The dimensions, outermost first (`[N, H, W]`, `[N]`).
    let shape: [Int]
    /// The type of each element.
    let element: Element
    /// Offset of the first element in `bytes`.
    let offset: Int
    /// The file's bytes (after gzip decompression).
    let bytes: [UInt8]

    /// The number of elements, `Π shape`, or nil when it overflows.
    static func count(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow || d < 0 { return nil }
            n = p
        }
        return n
    }

    /// `shape` as the readers print it: `60000×28×28`.
    static func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    /// An array of `shape` and `element` starting at `offset` of `bytes`, after checking that the
    /// file holds exactly its `Π shape · size` bytes of data (`what` names the format in errors).
    init(shape: [Int], element: Element, offset: Int, bytes: [UInt8], path: String, what: String) throws(ImageFileError) {
        guard let n = Self.count(shape), case (let need, false) = n.multipliedReportingOverflow(by: element.size) else {
            throw ImageFileError(path, "\(what) header gives an impossible shape \(Self.text(shape))")
        }
        let have = bytes.count - offset
        if have < need {
            throw ImageFileError(path, "truncated: the \(what) header says \(Self.text(shape)) (\(need) bytes of data) but the file has \(have)")
        }
        if have > need {
            throw ImageFileError(path, "mis-sized: the \(what) header says \(Self.text(shape)) (\(need) bytes of data) but the file has \(have) (\(have - need) extra)")
        }
        self.shape = shape; self.element = element; self.offset = offset; self.bytes = bytes
    }

    /// Element `i` as a `Double` (integers of up to 2⁵³ exactly).
    @inline(__always)
    func value(_ i: Int) -> Double {
        bytes.withUnsafeBytes { raw in
            let at = offset + i * element.size
            switch element {
            case .unsigned(1): return Double(raw[at])
            case .unsigned(2): return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            case .unsigned(4): return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            case .unsigned: return Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            case .signed(1): return Double(Int8(bitPattern: raw[at]))
            case .signed(2): return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
            case .signed(4): return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
            case .signed: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
            case .float(4): return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
            case .float: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            }
        }
    }
}
