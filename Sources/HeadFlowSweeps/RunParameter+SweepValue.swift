import HeadFlowNumerics
import HeadFlowDynamics

extension RunParameter {
    /// Sets this scalar parameter of `spec` to a sweep value (read as its exact text, so a sweep value is
    /// held to the same form as the command line: an integer parameter takes integers, a seed is ≥ 0).
    public func assign(_ value: SweepValue, to spec: inout RunSpec) throws(ParameterError) {
        guard kind.isScalar else { throw ParameterError("vary", must: "a scalar parameter (\(name) is varied entry by entry)", got: name) }
        try assign(text: value.description, to: &spec)
    }
}
