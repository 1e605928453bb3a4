/// `directpred-no-substitution` (beyond the paper; docs/MODEL.md, "Predictor rule"):
/// a head *set* from the outputs' second moment (DirectPred) does not substitute.
/// Its off-diagonal entry follows the output correlation, `E_21 ∝ S_12`, and
/// `S_12 ≈ 0` until neuron 2 already carries `v_1`; so `|E_21| |a_11|³` never
/// outgrows `|a_12|³` before the collapse, and every (ε, source) of the grid ends
/// collapsed — where the trained head (offdiag) substitutes and ends diverse.
public struct DirectPredNoSubstitution: Claim {
    /// The grid of `ε`.
    public let epsilons: [Double]

    /// The claim over `epsilons` (default 0, 0.1, 0.3, 1) × source raw, normalized.
    public init(epsilons: [Double] = [0, 0.1, 0.3, 1]) { self.epsilons = epsilons }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "directpred-no-substitution"
    /// The statement in the paper's notation.
    public let statement = "head directpred, ε ∈ {0, 0.1, 0.3, 1} × source {raw, normalized}: every run collapses, and max_t |E_21| |a_11|³ / |a_12|³ < 10 up to learn_w2_v1 (no substitution)"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I; E = U diag(sqrt(λ_i/λ_max) + ε) Uᵀ from S (raw) or D^{-1/2} S D^{-1/2} (normalized) at every time.",
        "t_end = 2·10⁴; the substitution ratio is read on the recorded samples (400 log-spaced, plus the events).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("runs", "(ε, source) pairs"),
        Quantity("collapsed", "runs ending in collapse"),
        Quantity("max_ratio", "max over runs and samples up to learn_w2_v1 of |E_21| |a_11|³ / |a_12|³"),
        Quantity("e21_at_t1", "|E_21| at the sample nearest after learn_w1_v1, ε = first of the grid, source raw"),
    ]
    /// The pass conditions (thresholds).
    public var criteria: [Criterion] {
        [.equals("collapsed", Double(2 * epsilons.count)), .below("max_ratio", 10)]
    }
    /// Notes on the thresholds.
    public let remarks = [
        "10 is the substitution event's factor (|E_21| |a_11|³ > 10 |a_12|³), the same as headflow run's `substitution`.",
    ]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226: Tian, Chen & Ganguli (2021), DirectPred; docs/MODEL.md, Neighbouring mechanisms"

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.head = .directpred } }

    /// The grid of (ε, source).
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.numbers("dp-eps", epsilons), .text("dp-source", "raw, normalized")]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [NegativeControl("head offdiag", expectation: "the trained head substitutes (ratio > 10) and ends diverse",
                         modify: { $0.with { $0.head = .offdiag } })]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let specs = DirectPredHead.Source.allCases.flatMap { source in epsilons.map { eps in preset.with { $0.dpEps = eps; $0.dpSource = source } } }
        let runs = try ClaimFlow.solveAll(specs)
        let failures = zip(specs, runs).compactMap { s, t in ClaimFlow.failure(t, "ε = \(s.dpEps), \(s.dpSource.rawValue)") }
        var maxRatio = 0.0
        for t in runs {
            let until = ClaimFlow.learnTime(t, neuron: 2, feature: 1) ?? .infinity
            for s in t.samples where s.time <= until {
                maxRatio = max(maxRatio, abs(s.e[1, 0]) * abs(s.a[0, 0] * s.a[0, 0] * s.a[0, 0]) / abs(s.a[0, 1] * s.a[0, 1] * s.a[0, 1]))
            }
        }
        let first = runs[0]
        let t1 = ClaimFlow.learnTime(first, neuron: 1, feature: 1)
        let e21 = t1.flatMap { t1 in first.samples.first { $0.time >= t1 }.map { abs($0.e[1, 0]) } }
        return ClaimMeasurement(values: [
            MeasuredValue("runs", Double(specs.count)),
            MeasuredValue("collapsed", Double(runs.filter { $0.outcome == .collapse }.count)),
            MeasuredValue("max_ratio", maxRatio), MeasuredValue("e21_at_t1", e21),
        ], failures: failures)
    }
}
