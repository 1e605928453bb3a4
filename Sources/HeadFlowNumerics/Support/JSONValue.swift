/// A JSON value with ordered object keys, rendered deterministically (same
/// value, same bytes). Non-finite numbers render as `null`.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (l: JSONValue, r: JSONValue) -> Bool { l.rendered() == r.rendered() }

    /// An optional number: `null` when nil.
    public static func number(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }

    /// A matrix as an array of rows.
    public static func matrix(_ m: Matrix) -> JSONValue { .array(m.rowArrays.map { .array($0.map { .number($0) }) }) }

    /// A list of numbers.
    public static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map { .number($0) }) }

    /// Compact JSON text (`pretty` adds newlines and two-space indents).
    public func rendered(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        let nl = pretty ? "\n" : "", pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += "\(i)"
        case .number(let x): out += x.isFinite ? "\(x)" : "null"
        case .string(let s): out += Self.quote(s)
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line.
            let flat = xs.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if flat || !pretty {
                out += "["
                for (i, x) in xs.enumerated() { if i > 0 { out += pretty ? ", " : "," }; x.write(into: &out, pretty: false, indent: 0) }
                out += "]"
            } else {
                out += "[" + nl
                for (i, x) in xs.enumerated() {
                    out += pad; x.write(into: &out, pretty: pretty, indent: indent + 1)
                    out += (i + 1 < xs.count ? "," : "") + nl
                }
                out += close + "]"
            }
        case .object(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (i, (k, v)) in kv.enumerated() {
                out += pad + Self.quote(k) + (pretty ? ": " : ":")
                v.write(into: &out, pretty: pretty, indent: indent + 1)
                out += (i + 1 < kv.count ? "," : "") + nl
            }
            out += close + "}"
        }
    }

    private static func quote(_ s: String) -> String {
        var r = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            case "\r": r += "\\r"
            default:
                if ch.value < 0x20 { r += "\\u" + String(ch.value, radix: 16).leftPadded(to: 4) } else { r.unicodeScalars.append(ch) }
            }
        }
        return r + "\""
    }

    /// Looks up `key` in an object (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        if case .object(let kv) = self { return kv.first { $0.0 == key }?.1 }
        return nil
    }
}

extension String {
    /// This string with `c` prepended up to `n` characters (cell file numbers, `cell-000042`).
    package func leftPadded(to n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
    /// This string with spaces appended up to `n` characters (table columns).
    package func rightPadded(to n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
