/// What a claim's measurement returns: the numbers, in a fixed order, and
/// notes (the bracketing pair, a failed integration) for the reader.
public struct ClaimMeasurement: Sendable {
    /// Measured numbers, in the claim's declared order.
    public var values: [MeasuredValue]
    /// Remarks printed with the verdict (never used to decide it).
    public var notes: [String]
    /// Integration failures met while measuring; any failure fails the claim.
    public var failures: [String]

    /// A measurement.
    public init(values: [MeasuredValue], notes: [String] = [], failures: [String] = []) {
        self.values = values; self.notes = notes; self.failures = failures
    }
}
