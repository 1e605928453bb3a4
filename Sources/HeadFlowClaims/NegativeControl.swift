import HeadFlowDynamics

/// A modification of a claim's preset under which the claim must FAIL, run
/// through the same measurement code (`Claim.verdict(control:)`). It shows
/// that each assertion is able to fail.
public struct NegativeControl: Sendable {
    /// Short name (`head none`).
    public let name: String
    /// Why the claim must fail under it, in the paper's terms.
    public let expectation: String
    /// The modified preset.
    public let modify: @Sendable (RunSpec) -> RunSpec

    /// A control named `name` that applies `modify` to the preset.
    public init(_ name: String, expectation: String, modify: @escaping @Sendable (RunSpec) -> RunSpec) {
        self.name = name; self.expectation = expectation; self.modify = modify
    }
}
