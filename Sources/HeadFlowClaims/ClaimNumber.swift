/// Plain, deterministic text for thresholds (`2`, `0.01`, `1e-06`).
public enum ClaimNumber {
    /// Integers without a decimal point; other numbers as Swift prints them
    /// (shortest round-trip form). Non-finite values print as `nan`/`inf`.
    public static func text(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), abs(x) < 1e6 { return "\(Int(x))" }
        return "\(x)"
    }
}
