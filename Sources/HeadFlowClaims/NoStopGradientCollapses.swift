import HeadFlowNumerics
import HeadFlowDynamics

/// `no-stop-gradient-collapses` (beyond the paper; docs/MODEL.md, "Stop-gradient"):
/// when the gradient also flows through the target branch (both arguments of `ρ_j`),
/// the paper's head no longer rescues the weak feature: neuron 2 ends on `v_1`
/// (dimensional collapse, although BN keeps the outputs from a constant), and
/// Phase I runs about twice as fast.
public struct NoStopGradientCollapses: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "no-stop-gradient-collapses"
    /// The statement in the paper's notation.
    public let statement = "stop-grad off, head offdiag: every neuron ends on v_1 (outcome collapse, min_j |cos(w_j, v_1)| > 0.99), and T_1(off) < 0.6 T_1(on)"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I; target same (stop-gradient off is defined for it); t_end = 2·10⁴.",
        "The reference T_1(on) is the same run with stop-gradient on.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("collapsed", "1 when the outcome at t_end is collapse, else 0"),
        Quantity("min_cos_v1", "min_j |cos(w_j, v_1)| at t_end"),
        Quantity("t1_off", "learn_w1_v1 without stop-gradient"),
        Quantity("t1_on", "learn_w1_v1 with stop-gradient (the paper)"),
        Quantity("t1_ratio", "t1_off / t1_on"),
        Quantity("t_learn_w2_v1", "learn_w2_v1 without stop-gradient"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [.equals("collapsed", 1), .above("min_cos_v1", 0.99), .below("t1_ratio", 0.6)]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226 (the stop-gradient ablation of SimSiam/BYOL); docs/MODEL.md, Neighbouring mechanisms"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — dropping the stop-gradient collapses even with the head, and sooner: Phase I takes «t1_ratio» of its time with the stop-gradient (t = «t1_off» against «t1_on»), then neuron 2 learns `v₁` (t = «t_learn_w2_v1»)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.stopGrad = .off } }

    /// The reference run with stop-gradient on.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.run("reference", preset.with { $0.stopGrad = .on })]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [NegativeControl("stop-grad on", expectation: "the paper's setting: neuron 2 learns v_2 (no collapse), T_1 unchanged",
                         modify: { $0.with { $0.stopGrad = .on } })]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let runs = try ClaimFlow.solveAll([preset, preset.with { $0.stopGrad = .on }])
        let failures = [ClaimFlow.failure(runs[0], "run"), ClaimFlow.failure(runs[1], "reference")].compactMap { $0 }
        let c = runs[0].final.cosines
        let t1 = ClaimFlow.learnTime(runs[0], neuron: 1, feature: 1), t1On = ClaimFlow.learnTime(runs[1], neuron: 1, feature: 1)
        return ClaimMeasurement(values: [
            MeasuredValue("collapsed", runs[0].outcome == .collapse ? 1 : 0),
            MeasuredValue("min_cos_v1", (0..<c.cols).map { abs(c[0, $0]) }.min()),
            MeasuredValue("t1_off", t1), MeasuredValue("t1_on", t1On),
            MeasuredValue("t1_ratio", t1.flatMap { a in t1On.map { a / $0 } }),
            MeasuredValue("t_learn_w2_v1", ClaimFlow.learnTime(runs[0], neuron: 2, feature: 1)),
        ], failures: failures)
    }
}
