import HeadFlowDynamics

/// The outcome of running one claim: the measured numbers, each criterion with
/// whether it held, and PASS/FAIL.
public struct ClaimVerdict: Sendable {
    /// The claim's id.
    public let id: String
    /// The claim's one-line statement.
    public let statement: String
    /// The preset actually run (the claim's own, or a negative control's).
    public let preset: RunSpec
    /// The claim's other settings for that preset.
    public let settings: [ClaimSetting]
    /// The negative control run, nil at the claim's own preset.
    public let control: String?
    /// Measured numbers, ordered.
    public let measured: [MeasuredValue]
    /// Every criterion with whether it held.
    public let results: [CriterionResult]
    /// The quantities that decide the claim (`Claim.headline`), for the short table.
    public let headline: [String]
    /// Remarks (bracketing pair, fractions in words…).
    public let notes: [String]
    /// Integration failures met while measuring.
    public let failures: [String]

    /// A verdict; `results` are computed from `criteria` and `measurement`.
    public init(claim: any Claim, preset: RunSpec, control: String?, measurement: ClaimMeasurement) {
        id = claim.id
        statement = claim.statement
        self.preset = preset
        settings = claim.settings(for: preset)
        self.control = control
        measured = measurement.values
        headline = claim.headline
        results = claim.criteria.map { CriterionResult(criterion: $0, holds: $0.holds(in: measurement.values)) }
        notes = measurement.notes
        failures = measurement.failures
    }

    /// PASS: no integration failed and every criterion held.
    public var passed: Bool { failures.isEmpty && !results.isEmpty && results.allSatisfy(\.holds) }

    /// The measured value called `name` (nil when absent or NaN).
    public func value(_ name: String) -> Double? { measured.value(name) }
}
