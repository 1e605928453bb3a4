/// The activation `σ` of the image network's neurons.
public enum ImageActivation: String, CaseIterable, Sendable, Codable {
    /// `σ(t) = t³`, the paper's (the theory's) activation.
    case cube
    /// `σ(t) = max(t, 0)` (`σ'(t) = 1` for `t > 0`, else 0): outside the theory, for comparison.
    case relu
}
