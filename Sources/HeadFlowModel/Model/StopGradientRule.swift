/// Whether the gradient flows through the target branch (docs/MODEL.md, "Stop-gradient").
public enum StopGradientRule: String, CaseIterable, Sendable, Codable {
    /// Stop-gradient on `G` and on its variance `T_j` (the paper).
    case on
    /// The gradient also flows through `G` and `T_j`; defined for the target `same`.
    case off
}
