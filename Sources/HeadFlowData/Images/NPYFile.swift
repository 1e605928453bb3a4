/// NumPy's `.npy` format, versions 1, 2 and 3: the magic `\x93NUMPY`, a major and minor version,
/// the header's length (16-bit little-endian in version 1, 32-bit in 2 and 3), then the header, a
/// Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, H, W), }`, then the
/// elements. Accepted: little-endian (or single-byte) integers `i1…i8`, `u1…u8` and floats `f4`,
/// `f8` in C order; a Fortran-order array, a big-endian or other dtype is an error naming the file.
enum NPYFile {
    /// The six bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// True when `bytes` start with `.npy`'s magic.
    static func looksLikeNPY(_ bytes: [UInt8]) -> Bool { bytes.count >= 6 && Array(bytes[0..<6]) == magic }

    /// The array in the `.npy` file `bytes` (of `path`).
    static func array(_ bytes: [UInt8], path: String) throws(ImageFileError) -> StoredArray {
        guard bytes.count >= 10 else { throw ImageFileError(path, "truncated: \(bytes.count) bytes, shorter than a .npy header") }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw ImageFileError(path, ".npy format version \(major).\(bytes[7]) is not supported (1, 2 or 3)")
        }
        let start = 8 + lengthBytes
        guard bytes.count >= start else { throw ImageFileError(path, "truncated: \(bytes.count) bytes, shorter than a .npy header") }
        var length = 0
        for k in 0..<lengthBytes { length |= Int(bytes[8 + k]) << (8 * k) }
        guard bytes.count >= start + length else {
            throw ImageFileError(path, "truncated: the .npy header is \(length) bytes but the file ends \(bytes.count - start) bytes after its start")
        }
        // Version 3 allows UTF-8 in the header, 1 and 2 Latin-1; the keys and values read here are ASCII.
        let header = String(decoding: bytes[start..<(start + length)], as: UTF8.self).replacingOccurrences(of: "\"", with: "'")
        guard let descr = quoted(after: "'descr':", in: header) else { throw ImageFileError(path, "the .npy header has no 'descr' (dtype)") }
        guard let fortran = word(after: "'fortran_order':", in: header) else {
            throw ImageFileError(path, "the .npy header has no 'fortran_order'")
        }
        if fortran == "True" { throw ImageFileError(path, "Fortran-order .npy arrays are not supported (save it in C order, np.ascontiguousarray)") }
        guard fortran == "False" else { throw ImageFileError(path, "the .npy header's 'fortran_order' is \(fortran), not True or False") }
        guard let shape = tuple(after: "'shape':", in: header) else { throw ImageFileError(path, "the .npy header has no readable 'shape'") }
        let element = try dtype(descr, path: path)
        return try StoredArray(shape: shape, element: element, offset: start + length, bytes: bytes, path: path, what: ".npy")
    }

    /// The element type of a NumPy `descr` such as `<f4`, `|u1`, `<i8`.
    private static func dtype(_ descr: String, path: String) throws(ImageFileError) -> StoredArray.Element {
        let chars = Array(descr)
        guard chars.count >= 3, let size = Int(String(chars[2...])) else {
            throw ImageFileError(path, ".npy dtype '\(descr)' is not supported (uint8, float32, float64 or an integer type)")
        }
        let order = chars[0], kind = chars[1]
        if order == ">" && size > 1 { throw ImageFileError(path, "big-endian .npy dtype '\(descr)' is not supported (little-endian only)") }
        guard "<|=>".contains(order) else { throw ImageFileError(path, ".npy dtype '\(descr)' is not supported") }
        switch (kind, size) {
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): return .unsigned(bytes: size)
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): return .signed(bytes: size)
        case ("f", 4), ("f", 8): return .float(bytes: size)
        default: throw ImageFileError(path, ".npy dtype '\(descr)' is not supported (uint8, float32, float64 or an integer type)")
        }
    }

    /// The quoted string after `key` (`'<f4'` → `<f4`).
    private static func quoted(after key: String, in text: String) -> String? {
        guard let k = text.range(of: key) else { return nil }
        let rest = text[k.upperBound...]
        guard let open = rest.firstIndex(of: "'") else { return nil }
        let body = rest[rest.index(after: open)...]
        guard let close = body.firstIndex(of: "'") else { return nil }
        return String(body[..<close])
    }

    /// The identifier after `key` (`True`, `False`).
    private static func word(after key: String, in text: String) -> String? {
        guard let k = text.range(of: key) else { return nil }
        let w = text[k.upperBound...].drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber }
        return w.isEmpty ? nil : String(w)
    }

    /// The integers of the tuple after `key` (`(60000, 28, 28)` → `[60000, 28, 28]`; `(5,)` → `[5]`).
    private static func tuple(after key: String, in text: String) -> [Int]? {
        guard let k = text.range(of: key) else { return nil }
        let rest = text[k.upperBound...].drop { $0 == " " }
        guard rest.first == "(", let close = rest.firstIndex(of: ")") else { return nil }
        let items = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for item in items {
            guard let v = Int(item.hasSuffix("L") ? String(item.dropLast()) : item), v >= 0 else { return nil }
            shape.append(v)
        }
        return shape
    }
}

private extension String {
    /// `self` with every occurrence of `target` replaced (no Foundation in this layer).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

private extension Substring {
    /// `self` without leading and trailing `c`.
    func trimmingCharacters(in c: Character) -> String {
        String(drop { $0 == c }.reversed().drop { $0 == c }.reversed())
    }
}
