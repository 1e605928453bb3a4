import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// `directpred-no-substitution` (beyond the paper; docs/MODEL.md, "Predictor rule"):
/// a head *set* from the outputs' second moment (DirectPred) does not substitute.
/// Its off-diagonal entry follows the output correlation, `E_21 ∝ S_12`, and
/// `S_12 ≈ 0` until neuron 2 already carries `v_1`; so `|E_21| |a_11|³` never
/// outgrows `|a_12|³` before the collapse, and in every (ε, source) of the grid
/// neuron 2 first collapses onto `v_1` — where the trained head (offdiag) substitutes
/// and neuron 2 never carries `v_1`. (Measured, not presumed: most of these runs
/// later *leave* the collapse and learn `v_2`, several times later than the trained
/// head; see docs/neighbours.md.)
public struct DirectPredNoSubstitution: Claim {
    /// The grid of `ε`.
    public let epsilons: [Double]

    /// The claim over `epsilons` (default 0, 0.1, 0.3, 1) × source raw, normalized.
    public init(epsilons: [Double] = [0, 0.1, 0.3, 1]) { self.epsilons = epsilons }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "directpred-no-substitution"
    /// The statement in the paper's notation.
    public let statement = "head directpred, ε ∈ {0, 0.1, 0.3, 1} × source {raw, normalized}: in every run neuron 2 learns v_1 before any v_2 (learn_w2_v1 < learn_w2_v2), max_t |E_21| |a_11|³ / |a_12|³ < 10 up to learn_w2_v1 (no substitution), and the weak feature, if learned, comes > 2× later than with the trained head"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I; E = U diag(sqrt(λ_i/λ_max) + ε) Uᵀ from S (raw) or D^{-1/2} S D^{-1/2} (normalized) at every time.",
        "t_end = 10⁶; the substitution ratio is read on the recorded samples (400 log-spaced); the reference is the same start with the trained offdiag head.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("runs", "(ε, source) pairs"),
        Quantity("collapsed_first", "runs where learn_w2_v1 happens, before learn_w2_v2 if that happens at all"),
        Quantity("max_ratio", "max over runs and samples up to learn_w2_v1 of |E_21| |a_11|³ / |a_12|³"),
        Quantity("e21_at_t1", "|E_21| at the sample nearest after learn_w1_v1, ε = first of the grid, source raw"),
        Quantity("escaped", "runs where neuron 2 later leaves v_1 and learns v_2 (learn_w2_v2 after learn_w2_v1)"),
        Quantity("t_weak_min", "the earliest learn_w2_v2 over the grid"),
        Quantity("t_weak_trained", "learn_w2_v2 with the trained offdiag head (reference)"),
        Quantity("delay_ratio", "t_weak_min / t_weak_trained"),
    ]
    /// The pass conditions (thresholds).
    public var criteria: [Criterion] {
        [.equals("collapsed_first", Double(2 * epsilons.count)), .below("max_ratio", 10), .above("delay_ratio", 2)]
    }
    /// Notes on the thresholds.
    public let remarks = [
        "10 is the substitution event's factor (|E_21| |a_11|³ > 10 |a_12|³), the same as headflow run's `substitution`.",
    ]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226: Tian, Chen & Ganguli (2021), DirectPred; docs/MODEL.md, Neighbouring mechanisms"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — a DirectPred head set from the output correlations does not substitute: in all «runs» runs neuron 2 learns `v₁` first; «escaped» of them later escape and learn `v₂`, the earliest «delay_ratio»× later than the trained head."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.head = .directpred; $0.tEnd = 1e6 } }

    /// The grid of (ε, source).
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.numbers("dp-eps", epsilons), .text("dp-source", "raw, normalized"), .run("reference", preset.with { $0.head = .offdiag })]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [NegativeControl("head offdiag", expectation: "the trained head substitutes (ratio > 10): neuron 2 never carries v_1",
                         modify: { $0.with { $0.head = .offdiag } })]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let specs = DirectPredHead.Source.allCases.flatMap { source in epsilons.map { eps in preset.with { $0.dpEps = eps; $0.dpSource = source } } }
        let all = try ClaimFlow.solveAll(specs + [preset.with { $0.head = .offdiag }])
        let runs = Array(all.dropLast()), reference = all[all.count - 1]
        var failures = zip(specs, runs).compactMap { s, t in ClaimFlow.failure(t, "ε = \(s.dpEps), \(s.dpSource.rawValue)") }
        if let f = ClaimFlow.failure(reference, "reference") { failures.append(f) }
        var maxRatio = 0.0, collapsedFirst = 0, escaped = 0
        var weak: [Double] = []
        for t in runs {
            let until = ClaimFlow.learnTime(t, neuron: 2, feature: 1)
            let w2 = ClaimFlow.learnTime(t, neuron: 2, feature: 2)
            if let until, w2.map({ $0 > until }) ?? true { collapsedFirst += 1 }
            if let until, let w2, w2 > until { escaped += 1 }
            if let w2 { weak.append(w2) }
            for s in t.samples where s.time <= (until ?? .infinity) {
                maxRatio = max(maxRatio, abs(s.e[1, 0]) * abs(s.a[0, 0] * s.a[0, 0] * s.a[0, 0]) / abs(s.a[0, 1] * s.a[0, 1] * s.a[0, 1]))
            }
        }
        let first = runs[0]
        let t1 = ClaimFlow.learnTime(first, neuron: 1, feature: 1)
        let e21 = t1.flatMap { t1 in first.samples.first { $0.time >= t1 }.map { abs($0.e[1, 0]) } }
        let trained = ClaimFlow.learnTime(reference, neuron: 2, feature: 2)
        let tMin = weak.min()
        return ClaimMeasurement(values: [
            MeasuredValue("runs", Double(specs.count)), MeasuredValue("collapsed_first", Double(collapsedFirst)),
            MeasuredValue("max_ratio", maxRatio), MeasuredValue("e21_at_t1", e21), MeasuredValue("escaped", Double(escaped)),
            MeasuredValue("t_weak_min", tMin), MeasuredValue("t_weak_trained", trained),
            MeasuredValue("delay_ratio", tMin.flatMap { a in trained.map { a / $0 } }),
        ], failures: failures)
    }
}
