import HeadFlowNumerics
import HeadFlowDynamics

/// `phase2-substitution` (docs/MODEL.md §5.2, Phase II): after neuron 1 learns `v_1`,
/// the head's `E_21` grows until `|E_21| |a_11|³ > 10 |a_12|³` (event
/// `substitution`: the head supplies `v_1` to neuron 2's output) — before
/// neuron 2 moves toward `v_1` (`|a_12|` still below 2× its start) and before
/// neuron 2 learns `v_2`.
public struct Phase2Substitution: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase2-substitution"
    /// The statement in the paper's notation.
    public let statement = "t_1 < t_sub < t_learn_w2_v2 and max_{t ≤ t_sub} |a_12(t)| < 2|a_12(0)|, where t_sub is the first t > t_1 with |E_21| |a_11|³ > 10 |a_12|³"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start: A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head, η_E/η = 0.01.",
        "Substitution (docs/MODEL.md §5.2 made measurable): the head's contribution E_21 f_1 to neuron 2's output on v_1-samples exceeds neuron 2's own by 10× in the cubic moment, |E_21| |a_11|³ > 10 |a_12|³.",
        "max |a_12| over [0, t_sub] is taken on 2001 evenly spaced samples (a_12 grows monotonically there).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("t_learn_w1_v1", "t_1: first time |cos(w_1, v_1)| ≥ 0.9"),
        Quantity("t_substitution", "t_sub: first t ≥ t_1 with |E_21| |a_11|³ > 10 |a_12|³"),
        Quantity("t_learn_w2_v2", "first time |cos(w_2, v_2)| ≥ 0.9"),
        Quantity("growth_a12_to_sub", "max over t ≤ t_sub of |a_12(t)| / |a_12(0)|"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .before("t_learn_w1_v1", "t_substitution"),
        .before("t_substitution", "t_learn_w2_v2"),
        .below("growth_a12_to_sub", 2),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the substitution effect (Phase II of the learning process with the prediction head); docs/MODEL.md §5.2"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "Phase II — the head's `E₂₁` grows until `E₂₁ f₁` carries `v₁` in neuron 2's output (t = «t_substitution»), long before neuron 2 could learn `v₁` itself and before it learns `v₂` (t = «t_learn_w2_v2»): the substitution effect."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none",
                            expectation: "E = I is frozen, E_21 = 0: no substitution ever happens",
                            modify: { $0.with { $0.head = .none } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let trajectory = try ClaimFlow.solve(preset)
        var failures = [ClaimFlow.failure(trajectory, "run")].compactMap { $0 }
        let tSub = trajectory.time(of: "substitution")
        var growth = Double.nan
        if let tSub {
            let window = try ClaimFlow.solve(preset.with { $0.tEnd = tSub }, sampling: .linear(points: 2001))
            if let f = ClaimFlow.failure(window, "window [0, t_sub]") { failures.append(f) }
            else { growth = ClaimFlow.maxGrowth(window, feature: 0, neuron: 1, until: tSub) }
        }
        return ClaimMeasurement(values: [
            MeasuredValue("t_learn_w1_v1", ClaimFlow.learnTime(trajectory, neuron: 1, feature: 1)),
            MeasuredValue("t_substitution", tSub),
            MeasuredValue("t_learn_w2_v2", ClaimFlow.learnTime(trajectory, neuron: 2, feature: 2)),
            MeasuredValue("growth_a12_to_sub", growth),
        ], failures: failures)
    }
}
