/// A criterion and whether it held.
public struct CriterionResult: Equatable, Sendable {
    /// The criterion.
    public let criterion: Criterion
    /// Whether it held for the measured values.
    public let holds: Bool
}
