/// One measured number of a claim: a name (an ASCII identifier used as a JSON
/// key and in the criteria) and its value. NaN when it could not be measured
/// (an event that did not happen, a fit that failed); JSON prints it as `null`.
public struct MeasuredValue: Equatable, Sendable {
    /// The quantity's name (`t_learn_w1_v1`, `slope`, …).
    public let name: String
    /// Its value.
    public let value: Double

    /// `name = value`; a nil value is recorded as NaN.
    public init(_ name: String, _ value: Double?) {
        self.name = name
        self.value = value ?? .nan
    }
}

extension Array where Element == MeasuredValue {
    /// The value called `name`; nil when absent or NaN.
    public func value(_ name: String) -> Double? {
        guard let v = first(where: { $0.name == name })?.value, !v.isNaN else { return nil }
        return v
    }
}
