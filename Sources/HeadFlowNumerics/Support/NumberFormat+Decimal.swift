import RealModule

// MARK: - Decimal grids (sweep ranges, the fastest-head scan)

extension NumberFormat {
    /// `n` points from `lo` to `hi`, evenly spaced in `log x` (`lo · (hi/lo)^{i/(n−1)}`), both ends exact.
    /// Needs `0 < lo, hi`; `n = 1` gives `[lo]`.
    package static func logSpaced(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        if n == 1 { return [lo] }
        return (0..<n).map { i in i == n - 1 ? hi : lo * Double.pow(hi / lo, Double(i) / Double(n - 1)) }
    }

    /// `x` rounded to `significant` decimal digits, as the nearest double to
    /// that decimal (so 0.010000000000000002 becomes 0.01). 0 and non-finite unchanged.
    package static func decimalRounded(_ x: Double, significant: Int = 12) -> Double {
        guard x.isFinite, x != 0 else { return x }
        let e = Int(x.exponentBase10)
        let shift = significant - 1 - e
        let scaled = abs(x) * NumberFormat.pow10(shift)
        guard scaled < 9e15 else { return x }
        let mantissa = Int(scaled.rounded())
        return Double("\(x < 0 ? "-" : "")\(mantissa)e\(-shift)") ?? x
    }
}
