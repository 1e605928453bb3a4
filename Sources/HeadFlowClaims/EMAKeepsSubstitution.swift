import HeadFlowNumerics
import HeadFlowDynamics

/// `ema-keeps-substitution` (beyond the paper; docs/MODEL.md, "Target rule"): with
/// BYOL's momentum target (`dW_tg/dt = (W − W_tg)/τ`), the paper's head still
/// substitutes and the weak feature is learned, for every `τ` of the grid, while
/// without the head every run collapses; the EMA target only delays Phase I, and
/// the more so the larger `τ`.
public struct EMAKeepsSubstitution: Claim {
    /// The EMA time constants of the grid.
    public let taus: [Double]

    /// The claim over `taus` (default 1, 10, 100, 1000, 10⁴).
    public init(taus: [Double] = [1, 10, 100, 1000, 10_000]) { self.taus = taus }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "ema-keeps-substitution"
    /// The statement in the paper's notation.
    public let statement = "target ema, τ ∈ {1, 10, 100, 1000, 10⁴}: head offdiag ends diverse (substitution before learn_w2_v2) and head none collapses for every τ; T_1(τ) = learn_w1_v1 increases strictly with τ"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, with the EMA target starting at the online state (W_tg(0) = W(0)).",
        "η = 1, η_E = 0.01, t_end = 10⁵; each τ of the grid runs with the preset's head and with head none.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("runs", "values of τ in the grid"),
        Quantity("diverse_head", "runs with the preset's head that end diverse with substitution < learn_w2_v2"),
        Quantity("collapse_none", "runs with head none that end in collapse"),
        Quantity("t1_first", "T_1 = learn_w1_v1 at the smallest τ"),
        Quantity("t1_last", "T_1 at the largest τ"),
        Quantity("t1_increasing", "1 when T_1(τ) increases strictly along the grid, else 0"),
    ]
    /// The pass conditions (thresholds).
    public var criteria: [Criterion] {
        [.equals("diverse_head", Double(taus.count)), .equals("collapse_none", Double(taus.count)), .equals("t1_increasing", 1)]
    }
    /// Notes on the thresholds.
    public let remarks = [
        "t_end = 10⁵ because with τ = 10⁴ neuron 2 learns v_2 only at t ≈ 2.9·10⁴ (at 2·10⁴ it is still undecided).",
    ]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226 (BYOL's momentum target instead of SimSiam's); docs/MODEL.md, Neighbouring mechanisms"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — BYOL's EMA target keeps the mechanism: for all «runs» target rates τ the head ends diverse and no head collapses, and Phase I is delayed monotonically in τ (from t = «t1_first» to «t1_last»); see [neighbouring mechanisms](#neighbouring-mechanisms) below and [`docs/neighbours.md`](docs/neighbours.md)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.target = .ema; $0.tEnd = 1e5 } }

    /// The τ grid and the baseline head.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.numbers("ema-tau", taus), .text("baseline", "the same runs with head none")]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("target same", expectation: "τ is not used: T_1 is the same for every τ, so it does not increase",
                            modify: { $0.with { $0.target = .same } }),
            NegativeControl("head none", expectation: "without the head no run ends diverse",
                            modify: { $0.with { $0.head = .none } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let specs = taus.map { tau in preset.with { $0.emaTau = tau } } + taus.map { tau in preset.with { $0.emaTau = tau; $0.head = .none } }
        let runs = try ClaimFlow.solveAll(specs)
        let failures = zip(specs, runs).compactMap { s, t in ClaimFlow.failure(t, "τ = \(s.emaTau), head \(s.head.rawValue)") }
        let n = taus.count
        let head = runs[..<n], none = runs[n...]
        let diverse = head.filter { t in
            guard t.outcome == .diverse, let sub = t.time(of: "substitution") else { return false }
            return sub < (ClaimFlow.learnTime(t, neuron: 2, feature: 2) ?? .infinity)
        }.count
        let t1 = head.map { ClaimFlow.learnTime($0, neuron: 1, feature: 1) }
        let increasing = t1.allSatisfy { $0 != nil } && zip(t1, t1.dropFirst()).allSatisfy { $0! < $1! }
        return ClaimMeasurement(values: [
            MeasuredValue("runs", Double(n)), MeasuredValue("diverse_head", Double(diverse)),
            MeasuredValue("collapse_none", Double(none.filter { $0.outcome == .collapse }.count)),
            MeasuredValue("t1_first", t1.first ?? nil), MeasuredValue("t1_last", t1.last ?? nil),
            MeasuredValue("t1_increasing", increasing ? 1 : 0),
        ], notes: ["T_1 over τ = \(taus): \(t1.map { $0.map { NumberFormat.short($0) } ?? "—" })"], failures: failures)
    }
}
