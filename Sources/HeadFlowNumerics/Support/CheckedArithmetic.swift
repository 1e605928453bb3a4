/// Integer arithmetic on user-given sizes that reports overflow instead of
/// trapping: every product of sizes (`k·m`, `N·P·d`, …) and every conversion
/// of a real to an integer (`t_end / lr` steps, a feature count `k`) that
/// depends on input goes through here before anything is allocated.
public enum CheckedArithmetic {
    /// The product of `factors`; nil when one is negative or the product
    /// overflows `Int` (checked with `multipliedReportingOverflow`). The empty
    /// product is 1.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: f)
            guard !overflow else { return nil }
            p = r
        }
        return p
    }

    /// The product of `factors` (see `product(_:)`).
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    /// Largest magnitude `integer(_:)` converts: `2⁵³`, beyond which a `Double`
    /// no longer holds every integer (and `Int(x)` may trap near `Int.max`).
    public static let exactIntegerLimit = 9_007_199_254_740_992.0

    /// `x` as an `Int` when it is finite, integral and `|x| ≤ 2⁵³`; nil otherwise
    /// (NaN, ±∞, 1e308, 2.5).
    public static func integer(_ x: Double) -> Int? {
        guard x.isFinite, x == x.rounded(), abs(x) <= exactIntegerLimit else { return nil }
        return Int(x)
    }

    /// `x` rounded to the nearest `Int` when finite and `|x| ≤ 2⁵³`; nil otherwise.
    public static func rounded(_ x: Double) -> Int? { integer(x.rounded()) }
}
