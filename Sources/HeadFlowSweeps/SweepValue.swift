import HeadFlowNumerics

/// One value a varied parameter takes in a sweep: a real (`η_E`, `α_2/α_1`,
/// `a_{ℓj}(0)`, …), an integer (`d`, `s`, the seed, …) or a name (`head`, `stepper`).
public enum SweepValue: Hashable, Sendable, CustomStringConvertible {
    /// A real parameter value.
    case real(Double)
    /// An integer parameter value (`d`, `patches`, `seed`, …).
    case integer(Int)
    /// A named choice (`head`, `stepper`).
    case text(String)

    /// The exact value: shortest round-trip number, or the name.
    public var description: String {
        switch self {
        case .real(let x): return "\(x)"
        case .integer(let i): return "\(i)"
        case .text(let s): return s
        }
    }

    /// A short label for table headers: at most 4 significant digits, no
    /// trailing zeros (`0.001`, `0.003162`, `1`, `2.5e-05`).
    public var label: String {
        switch self {
        case .real(let x): return Self.compact(x)
        case .integer(let i): return "\(i)"
        case .text(let s): return s
        }
    }

    /// `NumberFormat.short(x)` without trailing zeros.
    package static func compact(_ x: Double) -> String {
        let s = NumberFormat.short(x)
        let parts = s.split(separator: "e", maxSplits: 1).map(String.init)
        var mantissa = parts[0]
        if mantissa.contains(".") {
            while mantissa.last == "0" { mantissa.removeLast() }
            if mantissa.last == "." { mantissa.removeLast() }
        }
        return parts.count == 2 ? mantissa + "e" + parts[1] : mantissa
    }

    /// The value as a number (nil for a name).
    public var number: Double? {
        switch self {
        case .real(let x): return x
        case .integer(let i): return Double(i)
        case .text: return nil
        }
    }

    /// JSON: `.number`, `.integer` or `.string`.
    public var json: JSONValue {
        switch self {
        case .real(let x): return .number(x)
        case .integer(let i): return .integer(i)
        case .text(let s): return .string(s)
        }
    }

    /// Reads back what `json` wrote; nil for other JSON.
    public init?(json: JSONValue) {
        switch json {
        case .number(let x): self = .real(x)
        case .integer(let i): self = .integer(i)
        case .string(let s): self = .text(s)
        default: return nil
        }
    }
}

/// Parsing `SPEC` in `--vary NAME=SPEC`: a list `0.001,0.003,0.01` or a range
/// `lo:hi:lin:n` / `lo:hi:log:n` (`n` points, both ends included; `log` spaces
/// them evenly in `log x` and needs `0 < lo, hi`).
public enum ValueSpec {
    /// The valid forms, in words (used in error messages).
    public static let forms = "a list (0.001,0.003,0.01) or a range lo:hi:lin|log:n (1e-3:1e-1:log:9)"

    /// Parses `text` into the values of `parameter`. Reals are rounded to 12
    /// significant digits (so `1e-3:1e-1:log:3` gives exactly 0.001, 0.01, 0.1);
    /// integer parameters round range points to the nearest integer and reject
    /// non-integers in lists; names allow lists only. Values must be distinct.
    /// Throws a `ParameterError` for `--vary`.
    public static func parse(_ text: String, for parameter: SweepParameter) throws(ParameterError) -> [SweepValue] {
        let name = parameter.name
        func fail(_ why: String) -> ParameterError {
            ParameterError("vary", must: "\(name)=SPEC with SPEC \(why)", got: "\(name)=\(text)")
        }
        let trimmed = Substring(text).trimmingSpaces
        guard !trimmed.isEmpty else { throw fail(forms) }
        var values: [SweepValue] = []
        if trimmed.contains(":") {
            guard parameter.kind.isNumeric else {
                throw fail("a list of names (one of \(parameter.kind.choices.joined(separator: ", "))); ranges are for numbers")
            }
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard parts.count == 4, let lo = Double(parts[0]), let hi = Double(parts[1]), lo.isFinite, hi.isFinite,
                  parts[2] == "lin" || parts[2] == "log", let n = Int(parts[3]) else {
                throw fail("a range lo:hi:lin|log:n (4 fields, not \(parts.count)), or \(forms)")
            }
            guard n >= 1, n <= 100_000 else { throw fail("a range with n in 1…100000 points") }
            let log = parts[2] == "log"
            if log && !(lo > 0 && hi > 0) { throw fail("a log range with lo > 0 and hi > 0") }
            let points = log ? NumberFormat.logSpaced(lo, hi, n) : linSpaced(lo, hi, n)
            let integral = parameter.kind == .integer
            for x in points {
                if integral {
                    guard abs(x) < 9e15 else { throw fail("integers (\(x) is too large)") }
                    values.append(.integer(Int(x.rounded())))
                } else {
                    values.append(.real(NumberFormat.decimalRounded(x)))
                }
            }
            if integral, Set(values).count != values.count {
                throw fail("a range whose points stay distinct after rounding to integers (use fewer points)")
            }
        } else {
            for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let s = part.trimmingSpaces
                switch parameter.kind {
                case .integer, .real:
                    if parameter.kind == .integer {
                        guard let i = Int(s) ?? Double(s).flatMap({ $0.rounded() == $0 && abs($0) < 9e15 ? Int($0) : nil }) else {
                            throw fail("a list of integers (\"\(s)\" is not one)")
                        }
                        values.append(.integer(i))
                    } else {
                        guard let x = Double(s), x.isFinite else { throw fail("a list of finite numbers (\"\(s)\" is not one)") }
                        values.append(.real(x))
                    }
                case .path:
                    throw fail("fixed for the whole sweep (a file path is not varied)")
                case .list, .matrix:
                    throw fail("an entry of \(parameter.name) (as \(parameter.name)[…]); the whole list or matrix is not varied")
                case .choice(let names):
                    guard names.contains(s) else { throw fail("a list of \(names.joined(separator: ", ")) (\"\(s)\" is not one)") }
                    values.append(.text(s))
                }
            }
        }
        guard Set(values).count == values.count else { throw fail("distinct values (a value is repeated)") }
        return values
    }

    /// `n` points from `lo` to `hi`, evenly spaced, both ends exact.
    static func linSpaced(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        if n == 1 { return [lo] }
        return (0..<n).map { i in i == n - 1 ? hi : lo + (hi - lo) * Double(i) / Double(n - 1) }
    }
}

import RealModule
