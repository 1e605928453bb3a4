/// Reads one images or labels file, IDX or `.npy`, plain or gzip (told by its first bytes, not its
/// name), into pixels or labels; every problem is an `ImageFileError` naming the file.
enum ImageFileReader {
    /// The largest label accepted (a class index; the probes allocate one output per class).
    static let maximumLabel = 65_535

    /// The array stored in the file at `path` and the SHA-256 of the file as stored; `idxMagic`
    /// is the magic number an IDX file must have, `role` ("images", "labels") names it in errors.
    static func array(_ path: String, idxMagic: UInt32, role: String) throws(ImageFileError) -> (StoredArray, String) {
        let stored = try FileBytes.read(path)
        guard !stored.isEmpty else { throw ImageFileError(path, "empty file") }
        let sha = FileDigest.sha256(stored)
        let bytes = Gzip.isCompressed(stored) ? try Gzip.decompress(stored, path: path) : stored
        if NPYFile.looksLikeNPY(bytes) { return (try NPYFile.array(bytes, path: path), sha) }
        if IDXFile.looksLikeIDX(bytes) { return (try IDXFile.array(bytes, path: path, magic: idxMagic, role: role), sha) }
        let head = bytes.prefix(4).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        throw ImageFileError(path, "not an IDX or .npy file, plain or gzip (it starts with bytes \(head))")
    }

    /// The images in the file at `path` (IDX `N×H×W` uint8; `.npy` `N×H×W` or `N×H×W×C` of uint8,
    /// float32 or float64), pixels scaled to `[0, 1]` (uint8 divided by 255, floats as stored), with
    /// the file's SHA-256; no labels yet (all 0).
    static func images(_ path: String) throws(ImageFileError) -> (ImageSet, String) {
        let (a, sha) = try array(path, idxMagic: IDXFile.imagesMagic, role: "images")
        guard a.shape.count == 3 || a.shape.count == 4 else {
            throw ImageFileError(path, "images must be N×H×W or N×H×W×C, not \(StoredArray.text(a.shape))")
        }
        let n = a.shape[0], h = a.shape[1], w = a.shape[2], c = a.shape.count == 4 ? a.shape[3] : 1
        guard n > 0 else { throw ImageFileError(path, "no images (shape \(StoredArray.text(a.shape)))") }
        guard h > 0, w > 0, c > 0 else { throw ImageFileError(path, "empty images (shape \(StoredArray.text(a.shape)))") }
        let total = n * h * w * c
        var pixels = [Float](repeating: 0, count: total)
        switch a.element {
        case .unsigned(bytes: 1):
            a.bytes.withUnsafeBufferPointer { b in
                pixels.withUnsafeMutableBufferPointer { p in for i in 0..<total { p[i] = Float(b[a.offset + i]) / 255 } }
            }
        case .float:
            for i in 0..<total {
                let v = a.value(i)
                guard v.isFinite else { throw ImageFileError(path, "pixel \(i) is \(v), not a finite number") }
                pixels[i] = Float(v)
            }
        default:
            throw ImageFileError(path, "images must be uint8, float32 or float64, not \(a.element)")
        }
        return (ImageSet(count: n, height: h, width: w, channels: c, pixels: pixels, labels: [Int](repeating: 0, count: n)), sha)
    }

    /// The labels in the file at `path` (IDX `N` uint8; `.npy` `N` or `N×1` of any integer type, or
    /// floats that are whole numbers), each in `0…maximumLabel`, with the file's SHA-256.
    static func labels(_ path: String) throws(ImageFileError) -> ([Int], String) {
        let (a, sha) = try array(path, idxMagic: IDXFile.labelsMagic, role: "labels")
        guard a.shape.count == 1 || (a.shape.count == 2 && a.shape[1] == 1) else {
            throw ImageFileError(path, "labels must be a vector N (or N×1), not \(StoredArray.text(a.shape))")
        }
        let n = a.shape[0]
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let v = a.value(i)
            guard v.isFinite, v == v.rounded() else { throw ImageFileError(path, "non-integer label \(v) at index \(i)") }
            guard v >= 0 else { throw ImageFileError(path, "negative label \(Int(v)) at index \(i)") }
            guard v <= Double(maximumLabel) else { throw ImageFileError(path, "label \(v) at index \(i) is larger than \(maximumLabel)") }
            labels[i] = Int(v)
        }
        return (labels, sha)
    }
}

extension StoredArray.Element: CustomStringConvertible {
    /// NumPy's name: `uint8`, `int64`, `float32`.
    var description: String {
        switch self {
        case .unsigned(let b): "uint\(8 * b)"
        case .signed(let b): "int\(8 * b)"
        case .float(let b): "float\(8 * b)"
        }
    }
}
