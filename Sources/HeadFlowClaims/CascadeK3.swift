import HeadFlowNumerics
import HeadFlowDynamics

/// `cascade-k3` (beyond the paper): with `k = m = 3` features of
/// decreasing strength `α = (1.5, 1.0, 0.8)` and the paper's offdiag head, the
/// substitution mechanism repeats as a cascade — each feature ends learned by
/// a different neuron, in the order `v_1, v_2, v_3`, and the head returns to
/// `I`; with head none the same start collapses (every neuron on `v_1`).
public struct CascadeK3: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "cascade-k3"
    /// The statement in the paper's notation.
    public let statement = "k = m = 3: at t_end max_π min_ℓ |cos(w_π(ℓ), v_ℓ)| > 0.99, T(v_1) < T(v_2) < T(v_3), ‖E − I‖_F < 1e-6; with head none every |cos(w_j, v_1)| > 0.99"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Three features, α = (1.5, 1.0, 0.8), p uniform; m = 3 neurons; offdiag head, η_E/η = 0.03.",
        "Start A(0) = [[0.1, 0.06, 0.05], [0.05, 0.05, 0.05], [0.05, 0.05, 0.05]] (rows ℓ, columns j), B(0) = I, E(0) = I.",
        "T(v_ℓ) = first time some neuron has |cos(w_j, v_ℓ)| ≥ 0.9; the assignment π is the best of the 3! permutations.",
        "The no-head arm is the same preset with head none (E = I frozen).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("min_cos_assigned", "max over permutations π of min_ℓ |cos(w_π(ℓ), v_ℓ)| at t_end (each feature on its own neuron)"),
        Quantity("t_v1", "T(v_1): first time some neuron learns v_1"),
        Quantity("t_v2", "T(v_2)"),
        Quantity("t_v3", "T(v_3)"),
        Quantity("head_dev_final", "‖E − I‖_F at t_end"),
        Quantity("head_dev_peak", "max over recorded t of ‖E − I‖_F"),
        Quantity("none_min_cos_v1", "head none, same start: min_j |cos(w_j, v_1)| at t_end"),
    ]
    /// What decides it, for the short table: `min_cos_assigned`, `head_dev_final`.
    public let headline = ["min_cos_assigned", "head_dev_final"]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .above("min_cos_assigned", 0.99),
        .before("t_v1", "t_v2"),
        .before("t_v2", "t_v3"),
        .below("head_dev_final", 1e-6),
        .above("head_dev_peak", 0.01),
        .above("none_min_cos_v1", 0.99),
    ]
    /// Notes on the thresholds.
    public let remarks = [
        "head_dev_peak > 0.01 is added so that a head that never moves cannot pass by ending at I.",
    ]
    /// Where it is stated.
    public let reference = "Beyond arXiv:2205.06226 (which proves k = m = 2): the substitution cascade predicted by the same mechanism; docs/MODEL.md §5"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — with three features and three neurons the head lets each neuron learn its own feature, in order (`v₁` at t = «t_v1», `v₂` at «t_v2», `v₃` at «t_v3»), and returns to the identity (`«head_dev_final:1»`); without the head all three neurons end on `v₁`. See [the substitution cascade](#beyond-the-paper-the-substitution-cascade) below."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .cascadeK3 }

    /// Settings beyond the preset: the no-head arm.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [.run("no-head arm", preset.with { $0.head = .none })] }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none", expectation: "E = I frozen: every neuron collapses onto v_1, no cascade",
                            modify: { $0.with { $0.head = .none } }),
            NegativeControl("head diag", expectation: "a diagonal head is no head (BN cancels it): collapse",
                            modify: { $0.with { $0.head = .diag } }),
        ]
    }

    /// Runs both arms and reads the cascade off the trajectories.
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let runs = try ClaimFlow.solveAll([preset, preset.with { $0.head = .none }])
        let (head, none) = (runs[0], runs[1])
        let failures = [ClaimFlow.failure(head, "head \(preset.head.rawValue)"), ClaimFlow.failure(none, "head none")].compactMap { $0 }
        let k = preset.alpha.count, m = preset.neurons
        let cos = head.final.cosines
        let noneCos = none.final.cosines
        return ClaimMeasurement(values: [
            MeasuredValue("min_cos_assigned", Cascade.bestAssignment(cos)),
            MeasuredValue("t_v1", ClaimFlow.firstLearning(head, feature: 1, neurons: m)?.time),
            MeasuredValue("t_v2", k >= 2 ? ClaimFlow.firstLearning(head, feature: 2, neurons: m)?.time : nil),
            MeasuredValue("t_v3", k >= 3 ? ClaimFlow.firstLearning(head, feature: 3, neurons: m)?.time : nil),
            MeasuredValue("head_dev_final", head.final.headDeviation),
            MeasuredValue("head_dev_peak", head.maxHeadDeviation),
            MeasuredValue("none_min_cos_v1", (0..<m).map { abs(noneCos[0, $0]) }.min()),
        ], failures: failures)
    }
}

extension RunSpec {
    /// The cascade preset: `k = m = 3`, `α = (1.5, 1.0, 0.8)`,
    /// `A(0) = [[0.1, 0.06, 0.05], [0.05, 0.05, 0.05], [0.05, 0.05, 0.05]]`,
    /// `B(0) = I`, offdiag head, `η_E = 0.03`, `t_end = 5·10⁴` (the no-head arm's
    /// slowest neuron reaches `v_1` at `t ≈ 2.2·10⁴`).
    public static var cascadeK3: RunSpec {
        var s = RunSpec()
        s.alpha = [1.5, 1.0, 0.8]
        s.neurons = 3
        s.initA = Matrix([[0.1, 0.06, 0.05], [0.05, 0.05, 0.05], [0.05, 0.05, 0.05]])
        s.initB = .identity(3)
        s.head = .offdiag
        s.etaE = 0.03
        s.tEnd = 5e4
        return s
    }
}

/// Helpers for reading a cascade off the final cosines.
enum Cascade {
    /// `max_π min_ℓ |cos_{ℓ, π(ℓ)}|` over injective assignments `π` of the `k`
    /// features to distinct neurons (`k ≤ m`; exhaustive, fine for small `m`).
    /// NaN when `k > m`.
    static func bestAssignment(_ cos: Matrix) -> Double {
        let k = cos.rows, m = cos.cols
        guard k <= m else { return .nan }
        var best = -Double.infinity
        var used = [Bool](repeating: false, count: m)
        func search(_ l: Int, _ worst: Double) {
            if l == k { best = max(best, worst); return }
            for j in 0..<m where !used[j] {
                let w = min(worst, abs(cos[l, j]))
                if w <= best { continue }
                used[j] = true
                search(l + 1, w)
                used[j] = false
            }
        }
        search(0, .infinity)
        return best
    }
}
