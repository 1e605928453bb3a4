import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// `collapse-without-head` (docs/MODEL.md §5.5): with `E = I` frozen, every neuron
/// ends on the strong feature, `|cos(w_j, v_1)| > 0.99`, the weak feature is
/// never learned (`max_j |cos(w_j, v_2)|` at most 2× its start), and the final
/// loss is the global optimum — the trivial (collapsed) optimum is reached.
public struct CollapseWithoutHead: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "collapse-without-head"
    /// The statement in the paper's notation.
    public let statement = "head none: min_j |cos(w_j, v_1)| > 0.99 and max_j |cos(w_j, v_2)| ≤ 2 max_j |cos(w_j(0), v_2)| at t_end, and L(t_end) = L(W_diverse): dimensional collapse at a global optimum"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I; head none (E = I frozen); t_end = 2·10⁴.",
        "L(W_diverse): the loss of w_j = v_{((j−1) mod k)+1} with B = 0, E = I (the global optimum, see optima-tie).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("min_cos_v1", "min_j |cos(w_j, v_1)| at t_end"),
        Quantity("max_cos_v2", "max_j |cos(w_j, v_2)| at t_end"),
        Quantity("max_cos_v2_start", "max_j |cos(w_j, v_2)| at t = 0"),
        Quantity("growth_cos_v2", "max_cos_v2 / max_cos_v2_start"),
        Quantity("t_learn_w2_v1", "first time |cos(w_2, v_1)| ≥ 0.9"),
        Quantity("L_final", "L(t_end)"),
        Quantity("loss_gap", "|L(t_end) − L(W_diverse)|"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .above("min_cos_v1", 0.99),
        .atMost("growth_cos_v2", 2),
        .atMost("loss_gap", 1e-6),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the result without the prediction head (every neuron learns only the strong feature: dimensional collapse); docs/MODEL.md §5.5"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "without the head both neurons end on `v₁` at a global optimum — dimensional collapse is reached by the plain dynamics, whatever the other neurons."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.head = .none } }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head offdiag",
                            expectation: "the paper's head: neuron 2 learns v_2, no collapse",
                            modify: { $0.with { $0.head = .offdiag } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let problem = try preset.problem()
        let trajectory = try ClaimFlow.solve(preset)
        let failures = [ClaimFlow.failure(trajectory, "run")].compactMap { $0 }
        let k = problem.model.data.featureCount, m = problem.neurons
        let c0 = trajectory.samples[0].cosines, c = trajectory.final.cosines
        let minV1 = (0..<m).map { abs(c[0, $0]) }.min() ?? .nan
        let maxV2 = k > 1 ? (0..<m).map { abs(c[1, $0]) }.max() ?? .nan : .nan
        let maxV2Start = k > 1 ? (0..<m).map { abs(c0[1, $0]) }.max() ?? .nan : .nan
        let optimum = PopulationObjective(model: problem.model.data, neurons: m)
            .evaluate(online: .diverseOptimum(features: k, neurons: m)).loss
        return ClaimMeasurement(values: [
            MeasuredValue("min_cos_v1", minV1), MeasuredValue("max_cos_v2", maxV2),
            MeasuredValue("max_cos_v2_start", maxV2Start), MeasuredValue("growth_cos_v2", maxV2 / maxV2Start),
            MeasuredValue("t_learn_w2_v1", ClaimFlow.learnTime(trajectory, neuron: 2, feature: 1)),
            MeasuredValue("L_final", trajectory.final.loss), MeasuredValue("loss_gap", abs(trajectory.final.loss - optimum)),
        ], failures: failures)
    }
}
