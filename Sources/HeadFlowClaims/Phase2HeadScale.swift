import RealModule
import HeadFlowNumerics
import HeadFlowDynamics

/// `phase2-head-scale` (docs/MODEL.md §5.2): the peak of the head's off-diagonal
/// entry scales as `max_t |E_21(t)| = Θ((η_E/η)^{1/2})`. Measured as the GSL
/// least-squares slope of `log max_t |E_21|` on `log(η_E/η)` over a log grid
/// of `η_E/η ∈ [0.01, 0.1]`, with its standard error.
public struct Phase2HeadScale: Claim {
    /// Grid of `η_E/η` (log-spaced, both ends included).
    public let ratios: [Double]

    /// The claim at its preset: 9 log-spaced ratios in `[0.01, 0.1]`.
    public init(points: Int = 9) {
        ratios = (0..<points).map { Double.pow(10, -2 + Double($0) / Double(points - 1)) }
    }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase2-head-scale"
    /// The statement in the paper's notation.
    public let statement = "max_t |E_21(t)| = Θ((η_E/η)^{1/2}): the slope of log max_t |E_21| on log(η_E/η), η_E/η ∈ [0.01, 0.1], is 0.5 ± 0.1"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start: A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head; η = 1, η_E = (η_E/η)·η on the grid.",
        "The peak is max |E_21| over every accepted integrator step; it must be a rise and fall: |E_21(t_end)| ≤ 0.1 · peak at every grid point.",
        "Fit: gsl_fit_linear of log peak on log(η_E/η), standard error from its covariance.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("slope", "fitted exponent of max_t |E_21| in η_E/η"),
        Quantity("slope_error", "standard error of the slope (GSL)"),
        Quantity("peak_min_ratio", "max_t |E_21| at the smallest η_E/η"),
        Quantity("peak_max_ratio", "max_t |E_21| at the largest η_E/η"),
        Quantity("end_over_peak_max", "max over the grid of |E_21(t_end)| / max_t |E_21|"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .within("slope", of: 0.5, by: 0.1),
        .below("slope_error", 0.05),
        .atMost("end_over_peak_max", 0.1),
    ]
    /// Why a threshold or a preset is what it is.
    public let remarks = [
        "slope_error < 0.05 and end_over_peak_max ≤ 0.1 sharpen the first threshold (the slope alone): the fit must resolve ±0.1, and every peak must be a peak (E_21 rises and falls back), not the value at t_end.",
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the substitution effect: the off-diagonal head entry peaks at Θ(sqrt(η_E/η)); docs/MODEL.md §5.2"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "the peak of `|E₂₁|` scales as `(η_E/η)^{1/2}` (fitted slope «slope»), the paper's `Θ(sqrt(η_E/η))`."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [.numbers("eta-e/eta", ratios)] }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none (E frozen)",
                            expectation: "E_21 ≡ 0 at every η_E: no peak, no fit",
                            modify: { $0.with { $0.head = .none } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let specs = ratios.map { r in preset.with { $0.etaE = r * preset.eta } }
        let runs = try ClaimFlow.solveAll(specs)
        var failures: [String] = [], peaks: [Double] = [], ends: [Double] = []
        for (r, t) in zip(ratios, runs) {
            if let f = ClaimFlow.failure(t, "η_E/η = \(r)") { failures.append(f) }
            let peak = t.peaks.count > 1 ? (t.peaks[1][0]?.value ?? 0) : 0
            peaks.append(peak)
            ends.append(t.peaks.count > 1 ? abs(t.final.e[1, 0]) / peak : .nan)
        }
        let fit = LeastSquaresFit.powerLaw(x: ratios, y: peaks)
        return ClaimMeasurement(values: [
            MeasuredValue("slope", fit?.slope), MeasuredValue("slope_error", fit?.slopeError),
            MeasuredValue("peak_min_ratio", peaks.first), MeasuredValue("peak_max_ratio", peaks.last),
            MeasuredValue("end_over_peak_max", ends.contains(where: { !$0.isFinite }) ? .nan : ends.max()),
        ], notes: fit == nil ? ["no power-law fit: some peak is 0 or not finite"] : [], failures: failures)
    }
}
