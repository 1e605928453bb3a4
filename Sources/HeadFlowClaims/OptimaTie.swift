import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// `optima-tie` (docs/MODEL.md §3): the collapsed solution (every `w_j ∥ v_1`) and
/// the diverse one (`w_1 ∥ v_1`, `w_2 ∥ v_2`) attain the same population loss,
/// the global optimum `L* = 2m(1 − (s−1)/(s+1))`; a random `W` does not.
///
/// Measured without integrating: `L = Σ_j 2(1 − ρ_j)` at `E = I` for
/// `A = [[1,…,1],[0,…,0]]` (collapsed), `a_{ℓj} = [ℓ = j mod k]` (diverse),
/// both with no noise part (`B = 0`), and at the preset's start (`W(0)`).
public struct OptimaTie: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "optima-tie"
    /// The statement in the paper's notation.
    public let statement = "L(W_collapsed) = L(W_diverse) = 2m(1 − (s−1)/(s+1)), the global optimum of L = Σ_j 2(1 − ρ_j); L(W(0)) > 2m(1 − (s−1)/(s+1)) for a random W(0)"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "E = I (no head training is involved: the optima exist for every head).",
        "Collapsed: w_j = v_1 for every j; diverse: w_j = v_{((j−1) mod k)+1}; both with no noise part (B = 0).",
        "Random W: the preset's start, a_{ℓj}(0) ~ N(0, σ_0²), B(0) ~ σ_0² Wishart_m(d − k, I), σ_0 = 1/√d.",
        "Fair random mask (mask-prob 1/2), for which max ρ_j = c_×/c_= = (s−1)/(s+1).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("L_star", "2m(1 − (s−1)/(s+1)), the paper's global optimum"),
        Quantity("L_collapsed", "L at w_j = v_1 for all j"),
        Quantity("L_diverse", "L at w_j = v_{((j−1) mod k)+1}"),
        Quantity("L_random", "L at the preset's random start W(0)"),
        Quantity("gap_collapsed", "|L_collapsed − L_star|"),
        Quantity("gap_diverse", "|L_diverse − L_star|"),
        Quantity("gap_random", "L_random − L_star"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .atMost("gap_collapsed", 1e-12),
        .atMost("gap_diverse", 1e-12),
        .above("gap_random", 0.1),
    ]
    /// Why a threshold or a preset is what it is.
    public let remarks = [
        "gap_random > 0.1 asks that a random start be far from optimal, not merely off by rounding.",
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, §1 and the setting of the main results (the trivial collapsed optima exist, yet the head avoids them); docs/MODEL.md §3"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "the collapsed solution (every neuron on `v₁`) attains exactly the same loss as the diverse one, the global optimum `2m(1 − (s−1)/(s+1)) = 8/9`, so the objective alone cannot prefer diverse features — only the dynamics can."

    /// The `headflow run` defaults: `d = 100`, random start from seed 1.
    public var preset: RunSpec { RunSpec() }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("start at the diverse optimum",
                            expectation: "W(0) is itself optimal, so gap_random = 0",
                            modify: { $0.with { $0.initA = .identity(2); $0.initB = Matrix(rows: 2, cols: 2) } }),
            NegativeControl("mask-prob 0.3",
                            expectation: "the optima still tie, at c_×/c_= ≠ (s−1)/(s+1): the paper's value is the fair-mask one",
                            modify: { $0.with { $0.maskProb = 0.3 } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let problem = try preset.problem()
        let k = problem.model.data.featureCount, m = problem.neurons
        let objective = PopulationObjective(model: problem.model.data, neurons: m)
        let s = Double(preset.featurePatches)
        let star = 2 * Double(m) * (1 - (s - 1) / (s + 1))
        let lc = objective.evaluate(online: .collapsedOptimum(features: k, neurons: m)).loss
        let ld = objective.evaluate(online: .diverseOptimum(features: k, neurons: m)).loss
        let lr = objective.evaluate(online: ReducedState(a: problem.start.a, r: problem.start.r, e: .identity(m))).loss
        return ClaimMeasurement(values: [
            MeasuredValue("L_star", star), MeasuredValue("L_collapsed", lc), MeasuredValue("L_diverse", ld),
            MeasuredValue("L_random", lr), MeasuredValue("gap_collapsed", abs(lc - star)),
            MeasuredValue("gap_diverse", abs(ld - star)), MeasuredValue("gap_random", lr - star),
        ])
    }
}
