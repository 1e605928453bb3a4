/// How the target branch `G` is formed (docs/MODEL.md, "Target rule").
///
/// The flow moves an EMA target by `dW_tg/dt = (W − W_tg)/τ` (`EMATarget.velocity`), SGD by
/// `W_tg ← W_tg + (lr/τ)(W − W_tg)` after each step (`EMATarget.sgdStep`).
public enum TargetRule: String, CaseIterable, Sendable, Codable {
    /// `G = f` at the online weights, under stop-gradient (SimSiam-like; the paper).
    case same
    /// BYOL's momentum target `W_tg`, `dW_tg/dt = (W − W_tg)/τ` (see `EMATarget`).
    case ema

    /// True when the `k = m = 2` closed form covers this target (an allow-list: the switch is exhaustive).
    public var coveredBySmallPath: Bool {
        switch self {
        case .same, .ema: return true
        }
    }

    /// Flat state after `E` for `k` features and `m` neurons: `[A_tg, R_tg]` for `ema`, nothing for `same`.
    public func extraState(features k: Int, neurons m: Int) -> Int {
        self == .ema ? k * m + m * m : 0
    }
}
