/// Short, fixed-width-friendly number formatting for tables.
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
        let e = Int(a.exponentBase10)
        let mant = x / pow10(e)
        return fixed(mant, digits: 2) + "e" + (e < 0 ? "-" : "+") + String(abs(e)).leftPadded(to: 2)
    }

    /// `x` with exactly `digits` decimals.
    public static func fixed(_ x: Double, digits: Int) -> String {
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

    static func pow10(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<abs(e) { p *= 10 }
        return e < 0 ? 1 / p : p
    }
}

extension Double {
    /// `floor(log10 |x|)` for finite non-zero `x`.
    var exponentBase10: Double {
        var e = 0.0, a = abs(self)
        while a >= 10 { a /= 10; e += 1 }
        while a < 1 { a *= 10; e -= 1 }
        return e
    }
}
