import RealModule
import HeadFlowNumerics
import HeadFlowDynamics

/// `eta-threshold` (docs/MODEL.md §5.2–5.3): the head must be fast enough. Along a
/// log grid of `η_E/η ∈ [10⁻³, 10⁻¹]` the outcome at `t_end` switches exactly
/// once, from collapse (neuron 2 on `v_1`) to diverse (neuron 2 on `v_2`); the
/// bracketing pair of grid values is reported.
public struct EtaThreshold: Claim {
    /// Grid of `η_E/η` (log-spaced, both ends included).
    public let ratios: [Double]

    /// The claim at its preset: 17 log-spaced ratios in `[10⁻³, 10⁻¹]` (8 per decade).
    public init(points: Int = 17) {
        ratios = (0..<points).map { Double.pow(10, -3 + 2 * Double($0) / Double(points - 1)) }
    }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "eta-threshold"
    /// The statement in the paper's notation.
    public let statement = "along η_E/η ∈ [1e-3, 1e-1] (log grid) the outcome at t_end switches once, from collapse (every w_j on v_1) to diverse (w_1 on v_1, w_2 on v_2)"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head; η = 1, η_E = (η_E/η)·η on the grid; outcome read at t_end = 2·10⁴.",
        "Outcome (Outcome.swift): a neuron is on v_ℓ when |cos(w_j, v_ℓ)| ≥ 0.9; collapse = every neuron on v_1, diverse = every feature learned.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("switches", "changes of outcome between neighbouring grid points"),
        Quantity("collapse_first", "1 when the smallest η_E/η ends in collapse"),
        Quantity("diverse_last", "1 when the largest η_E/η ends diverse"),
        Quantity("other_outcomes", "grid points ending neither collapsed nor diverse"),
        Quantity("bracket_low", "largest η_E/η that ends in collapse below the switch"),
        Quantity("bracket_high", "smallest η_E/η that ends diverse above the switch"),
    ]
    /// What decides it, for the short table: `bracket_low`, `bracket_high`.
    public let headline = ["bracket_low", "bracket_high"]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .equals("collapse_first", 1),
        .equals("diverse_last", 1),
        .equals("switches", 1),
        .equals("other_outcomes", 0),
    ]
    /// Why a threshold or a preset is what it is.
    public let remarks = [
        "The threshold is a property of the horizon t_end: at a fixed small η_E/η the head keeps growing while both neurons sit on v_1 and eventually pulls neuron 2 over to v_2, so a longer t_end moves the switch to smaller η_E/η.",
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the role of the head's learning rate η_E ≪ η in the substitution and acceleration effects; docs/MODEL.md §5.2–5.3"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "the head must be fast enough — at `t_end = 2·10⁴` the outcome switches once, from collapse to diverse, between `η_E/η = «bracket_low»` and `«bracket_high»` (a slower head still wins eventually, over a longer horizon)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [.numbers("eta-e/eta", ratios)] }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none",
                            expectation: "no head: every grid point collapses, no switch",
                            modify: { $0.with { $0.head = .none } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let runs = try ClaimFlow.solveAll(ratios.map { r in preset.with { $0.etaE = r * preset.eta } })
        var failures: [String] = []
        for (r, t) in zip(ratios, runs) { if let f = ClaimFlow.failure(t, "η_E/η = \(r)") { failures.append(f) } }
        let outcomes = runs.map(\.outcome)
        let switches = zip(outcomes, outcomes.dropFirst()).filter { $0 != $1 }.count
        let other = outcomes.filter { $0 != .collapse && $0 != .diverse }.count
        let edge = zip(outcomes.indices, outcomes.dropFirst().indices).first { outcomes[$0] == .collapse && outcomes[$1] == .diverse }
        let symbols = outcomes.map { String($0.symbol) }.joined()
        return ClaimMeasurement(values: [
            MeasuredValue("switches", Double(switches)),
            MeasuredValue("collapse_first", outcomes.first == .collapse ? 1 : 0),
            MeasuredValue("diverse_last", outcomes.last == .diverse ? 1 : 0),
            MeasuredValue("other_outcomes", Double(other)),
            MeasuredValue("bracket_low", edge.map { ratios[$0.0] }), MeasuredValue("bracket_high", edge.map { ratios[$0.1] }),
        ], notes: ["outcomes from η_E/η = \(ClaimNumber.text(ratios.first ?? .nan)) to \(ClaimNumber.text(ratios.last ?? .nan)): \(symbols) (C collapse, D diverse, p partial, w weak-only, . undecided)"],
           failures: failures)
    }
}
