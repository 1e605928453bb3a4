extension IntegratorSettings {
    /// Smallest `--rtol`: about 50 ulps of a double (`ε ≈ 2.2·10⁻¹⁶`); below it
    /// GSL's error control cannot be met and the step size underflows.
    public static let rtolRange: ClosedRange<Double> = 1e-14...1e-3
    /// `--atol` from 0 (pure relative control) to `10⁻³`.
    public static let atolRange: ClosedRange<Double> = 0...1e-3

    /// Throws a `ParameterError` for a tolerance outside its range or a step
    /// limit below 1.
    ///
    /// The upper bounds keep results trustworthy: the state's entries are
    /// `O(10⁻²…1)` (`a_ℓj ≈ σ_0 = 1/√d`, cosines in `[−1, 1]`), and the events
    /// compare them with thresholds (`|cos| ≥ 0.9`, a ratio of 10). On the
    /// canonical start (`A(0) = [[0.1, 0.05], [0.05, 0.05]]`, `B(0) = I`) a
    /// tolerance of `10⁻³` moves the smallest final cosine by 10% (0.0457 for
    /// 0.0507), `10⁻²` by 40% and `10⁻¹` by 70%; `10³⁰⁸` switches the error
    /// control off and gives a wrong outcome (final cos −0.25 for 0.998).
    public func validate() throws(ParameterError) {
        let r = Self.rtolRange, a = Self.atolRange
        try require(rtol, "rtol", "a relative tolerance in [\(r.lowerBound), \(r.upperBound)]", { r.contains($0) })
        try require(atol, "atol", "an absolute tolerance in [\(a.lowerBound), \(a.upperBound)]", { a.contains($0) })
        try require(maxSteps, "max-steps", "an integer ≥ 1", { $0 >= 1 })
    }
}
