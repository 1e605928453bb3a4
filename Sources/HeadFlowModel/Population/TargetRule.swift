/// How the target branch `G` is formed (docs/MODEL.md, "Target rule").
public enum TargetRule: String, CaseIterable, Sendable, Codable {
    /// `G = f` at the online weights, under stop-gradient (SimSiam-like; the paper).
    case same
    /// BYOL's momentum target `W_tg`, `dW_tg/dt = (W − W_tg)/τ` (see `EMATarget`).
    case ema
}

/// Whether the gradient flows through the target branch (docs/MODEL.md, "Stop-gradient").
public enum StopGradientRule: String, CaseIterable, Sendable, Codable {
    /// Stop-gradient on `G` and on its variance `T_j` (the paper).
    case on
    /// The gradient also flows through `G` and `T_j`; defined for the target `same`.
    case off
}
