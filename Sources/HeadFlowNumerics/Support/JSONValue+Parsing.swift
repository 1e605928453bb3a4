/// Reading JSON back (cell files, sweep and run outputs). The parser is exact
/// for what `rendered()` writes: a number with `.`, `e` or `E` becomes
/// `.number`, one without becomes `.integer`, so parse → render gives the same
/// bytes and a resumed sweep reproduces an uninterrupted one.
extension JSONValue {
    /// Parses JSON text. Throws a `JSONParseError` with the byte offset of the
    /// first problem (trailing text after the value is a problem too).
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == parser.bytes.count else { throw parser.error("text after the JSON value") }
        return value
    }

    /// The elements of an array (nil otherwise).
    public var arrayValue: [JSONValue]? { if case .array(let xs) = self { return xs }; return nil }

    /// The key-value pairs of an object, in order (nil otherwise).
    public var objectValue: [(String, JSONValue)]? { if case .object(let kv) = self { return kv }; return nil }

    /// A number (`.number` or `.integer`) as a `Double`; nil for anything else, including `null`.
    public var doubleValue: Double? {
        switch self {
        case .number(let x): return x
        case .integer(let i): return Double(i)
        default: return nil
        }
    }

    /// An `.integer` (or an integral `.number`) as an `Int`.
    public var intValue: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let x) where x.rounded() == x && abs(x) < 9e15: return Int(x)
        default: return nil
        }
    }

    /// A `.string`'s text.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }

    /// A matrix written by `.matrix(_:)` (an array of equal-length rows of numbers).
    public var matrixValue: Matrix? {
        guard let rows = arrayValue, !rows.isEmpty else { return nil }
        var parsed: [[Double]] = []
        for row in rows {
            guard let xs = row.arrayValue else { return nil }
            var r: [Double] = []
            for x in xs { guard let v = x.doubleValue else { return nil }; r.append(v) }
            parsed.append(r)
        }
        guard let c = parsed.first?.count, c > 0, parsed.allSatisfy({ $0.count == c }) else { return nil }
        return Matrix(parsed)
    }
}

/// Malformed JSON: what was wrong and at which byte.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What the parser expected or found.
    public let problem: String
    /// Byte offset into the text.
    public let offset: Int

    /// `malformed JSON at byte N: problem`.
    public var description: String { "malformed JSON at byte \(offset): \(problem)" }
}

private struct JSONParser {
    let bytes: [UInt8]
    var at = 0

    func error(_ problem: String) -> JSONParseError { JSONParseError(problem: problem, offset: at) }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw error("expected \(word)") }
        at += w.count
        return value
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < 512 else { throw error("nesting deeper than 512") }
        skipSpace()
        guard at < bytes.count else { throw error("unexpected end of text") }
        switch bytes[at] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw error("unterminated array") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw error("expected , or ] in an array")
            }
        case UInt8(ascii: "{"):
            at += 1
            var pairs: [(String, JSONValue)] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw error("expected a key string") }
                let key = try string()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw error("expected : after a key") }
                at += 1
                pairs.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard at < bytes.count else { throw error("unterminated object") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(pairs) }
                throw error("expected , or } in an object")
            }
        default:
            return try number()
        }
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = at
        var isReal = false
        while at < bytes.count {
            let c = bytes[at]
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isReal = true }
            else if !(c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || (c >= 0x30 && c <= 0x39)) { break }
            at += 1
        }
        guard at > start else { throw error("unexpected character") }
        let text = String(decoding: bytes[start..<at], as: UTF8.self)
        if !isReal, let i = Int(text) { return .integer(i) }
        guard let x = Double(text) else { throw JSONParseError(problem: "bad number \(text)", offset: start) }
        return .number(x)
    }

    mutating func string() throws(JSONParseError) -> String {
        at += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() { if !run.isEmpty { scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run.removeAll() } }
        while at < bytes.count {
            let c = bytes[at]
            if c == UInt8(ascii: "\"") { at += 1; flush(); return String(scalars) }
            if c == UInt8(ascii: "\\") {
                flush()
                at += 1
                guard at < bytes.count else { break }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if code >= 0xD800 && code < 0xDC00, at + 1 < bytes.count,
                       bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                        at += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let s = Unicode.Scalar(code) else { throw error("bad \\u escape") }
                    scalars.append(s)
                default: throw error("bad escape")
                }
                continue
            }
            run.append(c)
            at += 1
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
            throw error("bad \\u escape")
        }
        at += 4
        return v
    }
}
