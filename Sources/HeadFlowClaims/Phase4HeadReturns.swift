import HeadFlowNumerics
import HeadFlowDynamics

/// `phase4-head-returns` (docs/MODEL.md §5.4, Phase IV): the head's off-diagonal
/// entries rise and then fall back once both features are learned:
/// `max_t ‖E(t) − I‖_F > 0.01` and `‖E(t_end) − I‖_F < 10⁻⁶`.
public struct Phase4HeadReturns: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase4-head-returns"
    /// The statement in the paper's notation.
    public let statement = "max_t ‖E(t) − I‖_F > 0.01 and ‖E(t_end) − I‖_F < 1e-6: the head rises, then returns to the identity"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head, η_E/η = 0.01; t_end = 2·10⁴.",
        "max_t ‖E − I‖_F is the larger of the recorded samples' value and the largest off-diagonal peak max_t |E_jr| over accepted steps (both are lower bounds of the true maximum).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("head_dev_peak", "max_t ‖E(t) − I‖_F (lower bound, see hypotheses)"),
        Quantity("t_peak", "time of the largest off-diagonal peak max_t |E_jr|"),
        Quantity("head_dev_final", "‖E(t_end) − I‖_F"),
        Quantity("t_learn_w2_v2", "first time |cos(w_2, v_2)| ≥ 0.9 (both features learned)"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .above("head_dev_peak", 0.01),
        .below("head_dev_final", 1e-6),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, Phase IV of the learning process (the off-diagonal head entries vanish, ‖E − I‖_F ≤ 1/poly(d)) and its experiments (off-diagonal entries rise, then fall); docs/MODEL.md §5.4"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "Phase IV — the off-diagonal head rises (`‖E − I‖_F ≈ «head_dev_peak»`) and falls back to the identity (`«head_dev_final:1»`): the head is a transient scaffold, as in the paper's experiments."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none",
                            expectation: "E = I is frozen: ‖E − I‖_F never rises",
                            modify: { $0.with { $0.head = .none } }),
            NegativeControl("stopped at the peak",
                            expectation: "t_end = t_peak of the preset's own run (the time of its largest |E_jr|): E is then at its farthest from I, so the head has not returned",
                            modify: { preset in preset.with { $0.tEnd = Self.peakTime(preset) } }),
        ]
    }

    /// The time of the largest off-diagonal peak `max_t |E_jr|` on a run of
    /// `spec` (the recorded sample of largest `‖E − I‖_F` when no peak was
    /// tracked), so the control's stop derives from the run, not from a
    /// constant. `spec.tEnd` when `spec` is invalid: the control then throws
    /// the preset's own error.
    static func peakTime(_ spec: RunSpec) -> Double {
        guard let trajectory = try? ClaimFlow.solve(spec) else { return spec.tEnd }
        let peaks = trajectory.peaks.flatMap { $0.compactMap { $0 } }
        if let top = peaks.max(by: { $0.value < $1.value }), top.value > 0 { return top.time }
        return trajectory.samples.max { $0.headDeviation < $1.headDeviation }?.time ?? spec.tEnd
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let trajectory = try ClaimFlow.solve(preset)
        let failures = [ClaimFlow.failure(trajectory, "run")].compactMap { $0 }
        let peaks = trajectory.peaks.flatMap { $0.compactMap { $0 } }
        let top = peaks.max { $0.value < $1.value }
        let peak = max(trajectory.maxHeadDeviation, top?.value ?? 0)
        return ClaimMeasurement(values: [
            MeasuredValue("head_dev_peak", peak), MeasuredValue("t_peak", top?.time),
            MeasuredValue("head_dev_final", trajectory.final.headDeviation),
            MeasuredValue("t_learn_w2_v2", ClaimFlow.learnTime(trajectory, neuron: 2, feature: 2)),
        ], failures: failures)
    }
}
