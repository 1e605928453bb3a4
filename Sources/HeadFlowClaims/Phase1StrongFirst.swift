import HeadFlowNumerics
import HeadFlowDynamics

/// `phase1-strong-first` (docs/MODEL.md §5.1, Phase I): from the canonical start,
/// neuron 1 learns the strong feature `v_1` while every other correlation
/// `a_{ℓj} = ⟨w_j, v_ℓ⟩` is still near its start and the head has not moved:
/// at `t_1` (event `learn_w1_v1`, `|cos(w_1, v_1)| ≥ 0.9`) every
/// `|a_{ℓj}(t_1)| < 2|a_{ℓj}(0)|` for `(ℓ, j) ≠ (1, 1)` and `‖E(t_1) − I‖_F < 0.01`.
public struct Phase1StrongFirst: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase1-strong-first"
    /// The statement in the paper's notation.
    public let statement = "at t_1 = learn_w1_v1: |⟨w_j, v_ℓ⟩| < 2|⟨w_j(0), v_ℓ⟩| for every (ℓ, j) ≠ (1, 1), and ‖E(t_1) − I‖_F < 0.01"
    /// The hypotheses beyond the preset, in words.
    public var hypotheses: [String] {
        [
            "Canonical start: A(0) = [[0.1, 0.05], [0.05, 0.05]] (rows ℓ, columns j), B(0) = I, E(0) = I.",
            "The paper's head: diagonal frozen at 1, off-diagonal trainable, η_E/η = 0.01.",
            "Population gradient flow (docs/MODEL.md §4), \(preset.solverText); t_1 located by bisection.",
        ]
    }
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("t_learn_w1_v1", "t_1: first time |cos(w_1, v_1)| ≥ 0.9"),
        Quantity("growth_a21", "|a_21(t_1)| / |a_21(0)|"),
        Quantity("growth_a12", "|a_12(t_1)| / |a_12(0)|"),
        Quantity("growth_a22", "|a_22(t_1)| / |a_22(0)|"),
        Quantity("growth_other_max", "max over (ℓ, j) ≠ (1, 1) of |a_ℓj(t_1)| / |a_ℓj(0)|"),
        Quantity("head_dev_at_t1", "‖E(t_1) − I‖_F"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .above("t_learn_w1_v1", 0),
        .below("growth_other_max", 2),
        .below("head_dev_at_t1", 0.01),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, Phase I of the learning process with the prediction head (strong feature first, T_1 = O(d^{2+o(1)}/η)); docs/MODEL.md §5.1"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "Phase I — neuron 1 learns the strong feature while every other correlation is still within «growth_other_max»× its start and the head has not moved (`‖E − I‖_F ≈ «head_dev_at_t1:1»`)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("a_12(0) = 0.099",
                            expectation: "neuron 2 starts almost as aligned with v_1 as neuron 1, so a_12 grows far past 2× by t_1",
                            modify: { $0.with { $0.initA = Matrix([[0.1, 0.099], [0.05, 0.05]]) } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let trajectory = try ClaimFlow.solve(preset)
        var failures = [ClaimFlow.failure(trajectory, "run")].compactMap { $0 }
        let t1 = ClaimFlow.learnTime(trajectory, neuron: 1, feature: 1)
        let a0 = trajectory.samples[0].a
        var growth = Matrix(rows: a0.rows, cols: a0.cols, repeating: .nan)
        var dev = Double.nan
        if let t1 {
            switch try ClaimFlow.state(preset, at: t1) {
            case .success(let s):
                for l in 0..<a0.rows { for j in 0..<a0.cols { growth[l, j] = abs(s.a[l, j]) / abs(a0[l, j]) } }
                dev = s.headDeviation
            case .failure(let f): failures.append(f.text)
            }
        }
        var others: [Double] = []
        for l in 0..<growth.rows { for j in 0..<growth.cols where (l, j) != (0, 0) { others.append(growth[l, j]) } }
        let worst = others.contains(where: \.isNaN) ? .nan : others.max() ?? .nan
        return ClaimMeasurement(values: [
            MeasuredValue("t_learn_w1_v1", t1),
            MeasuredValue("growth_a21", growth[1, 0]), MeasuredValue("growth_a12", growth[0, 1]),
            MeasuredValue("growth_a22", growth[1, 1]),
            MeasuredValue("growth_other_max", worst), MeasuredValue("head_dev_at_t1", dev),
        ], failures: failures)
    }
}
