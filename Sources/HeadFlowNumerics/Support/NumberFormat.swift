/// Short, fixed-width-friendly number formatting for tables.
///
/// Edge cases: `nan`, `inf`, `-inf` as such; `±0` as `0`; subnormals and
/// values near `Double.greatestFiniteMagnitude` in scientific form with a
/// correct mantissa (`4.94e-324`, `1.80e+308`), never an overflowed one.
public enum NumberFormat {
    /// `x` with about 4 significant digits, scientific outside `[1e-3, 1e5)`.
    public static func short(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e5 {
            let digits = max(0, 3 - Int((a).exponentBase10))
            return fixed(x, digits: digits)
        }
        var e = Int(a.exponentBase10)
        var mant = scaled(a, byPowerOf10: -e)
        if (mant * 100).rounded() >= 1000 { mant /= 10; e += 1 }  // 9.999e5 → 1.00e+06, not 10.00e+05
        return (x < 0 ? "-" : "") + fixed(mant, digits: 2) + "e" + (e < 0 ? "-" : "+") + String(abs(e)).leftPadded(to: 2)
    }

    /// `x` with exactly `digits` decimals (`nan`/`inf` as such; magnitudes from
    /// `10¹⁵` on, where decimals are meaningless, as `short(x)`).
    public static func fixed(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        if abs(x) >= 1e15 { return short(x) }
        let scale = pow10(digits)
        let r = (abs(x) * scale).rounded() / scale
        var s = "\(r)"
        if let dot = s.firstIndex(of: "."), !s.contains("e") {
            let dec = s.distance(from: dot, to: s.endIndex) - 1
            if dec < digits { s += String(repeating: "0", count: digits - dec) }
            if digits == 0 { s = String(s[..<dot]) }
        } else if s.contains("e") {
            s = "\(r)"
        }
        return (x < 0 && r != 0 ? "-" : "") + s
    }

    /// `10^e`: `|e|` multiplications by 10, inverted for `e < 0` (sweep values, display rounding).
    package static func pow10(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<abs(e) { p *= 10 }
        return e < 0 ? 1 / p : p
    }

    /// `a · 10^p` in steps of `10^±300`, so neither the factor nor an
    /// intermediate overflows or underflows (a subnormal `a` times `10³²⁴`).
    package static func scaled(_ a: Double, byPowerOf10 p: Int) -> Double {
        var a = a, p = p
        while p > 300 { a *= 1e300; p -= 300 }
        while p < -300 { a *= 1e-300; p += 300 }
        return a * pow10(p)
    }
}

extension Double {
    /// `floor(log10 |x|)` for finite non-zero `x`.
    package var exponentBase10: Double {
        var e = 0.0, a = abs(self)
        while a >= 10 { a /= 10; e += 1 }
        while a < 1 { a *= 10; e -= 1 }
        return e
    }
}
