/// How the target branch `G` is formed (docs/MODEL.md, "Target rule").
public enum TargetRule: String, CaseIterable, Sendable, Codable {
    /// `G = f` at the online weights, under stop-gradient (SimSiam-like; the paper).
    case same
    /// BYOL's momentum target `W_tg`, `dW_tg/dt = (W − W_tg)/τ` (see `EMATarget`).
    case ema
}
