/// Why image training stopped before its last epoch: where, and what went wrong.
public struct ImageTrainingFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The epoch in progress (1-based; 0 before the first).
    public let epoch: Int
    /// The step in progress, counted over the whole run (1-based; 0 before the first).
    public let step: Int
    /// What went wrong (a degenerate batch, a non-finite `W` or `E`).
    public let reason: String

    /// A failure at `epoch`, `step`.
    public init(epoch: Int, step: Int, reason: String) {
        self.epoch = epoch; self.step = step; self.reason = reason
    }

    /// One line: `training failed at epoch e, step n: reason`.
    public var description: String { "training failed at epoch \(epoch), step \(step): \(reason)" }
}
