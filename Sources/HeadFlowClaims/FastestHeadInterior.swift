import HeadFlowNumerics
import HeadFlowDynamics

/// `fastest-head` (beyond the paper; docs/MODEL.md §5.2–5.3): the time `T(η_E/η)` at
/// which neuron 2 learns the weak feature (`learn_w2_v2`) has an interior minimum in
/// the head's rate. The prediction, from the phases: a head too slow never
/// substitutes before neuron 2 collapses (`T = +∞` below the `eta-threshold` switch);
/// above it the peak `|E_21| = Θ(sqrt(η_E/η))` and the Phase III acceleration, which
/// grows with `(E_21 ⟨w_1, v_1⟩³)²`, make `T` fall as `η_E` grows; but the phases need
/// `η_E ≪ η` (the head still at `I` when neuron 1 learns `v_1`), so as `η_E → η` the
/// head moves during Phase I and `T` must rise again. The optimum `η_E*/η` is found
/// by `FastestHeadSearch` (a scan of `[10⁻⁴, 1]`, then GSL's Brent).
public struct FastestHeadInterior: Claim {
    /// The search (its defaults: `[10⁻⁴, 1]`, 9-point scan, Brent to 1% in `η_E/η`).
    public let search: FastestHeadSearch

    /// The claim at its preset.
    public init(search: FastestHeadSearch = FastestHeadSearch()) { self.search = search }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "fastest-head"
    /// The statement in the paper's notation.
    public let statement = "T(η_E/η) = first time |cos(w_2, v_2)| ≥ 0.9 has an interior minimum η_E*/η in [1e-4, 1], with T* = T(η_E*/η) below T(0.01), T = +∞ at η_E/η = 1e-4 and without a head, and T rising again toward η_E = η"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head; η = 1, η_E = (η_E/η)·η searched; horizon t_end = 2·10⁴.",
        "T = +∞ when learn_w2_v2 does not happen by t_end. Search: 9 log-spaced η_E/η in [1e-4, 1], then Brent (gsl_min_fminimizer_brent) in ln(η_E/η) from the scan's minimum and its two neighbours, to 1% in η_E/η.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("interior", "1 when the scan's smallest T is at an interior rate and Brent converged there"),
        Quantity("eta_e_star", "the fastest head rate η_E*/η (Brent's best point)"),
        Quantity("t_star", "T* = T(η_E*/η)"),
        Quantity("bracket_width", "Brent's final bracket [a, b] in η_E/η, as b/a − 1"),
        Quantity("t_paper_default", "T at the paper's default η_E/η = 0.01"),
        Quantity("speedup_default", "T(0.01) / T*"),
        Quantity("fires_at_low_end", "1 when learn_w2_v2 happens by t_end at η_E/η = 1e-4 (η_E → 0)"),
        Quantity("fires_without_head", "1 when learn_w2_v2 happens by t_end with head none (E = I frozen)"),
        Quantity("rise_at_high_end", "T(η_E/η = 1) / T*"),
    ]
    /// What decides it, for the short table.
    public let headline = ["eta_e_star", "speedup_default"]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .equals("interior", 1),
        .below("bracket_width", 0.0101),
        .above("speedup_default", 1.2),
        .equals("fires_at_low_end", 0),
        .equals("fires_without_head", 0),
        .above("rise_at_high_end", 1.1),
    ]
    /// Why the thresholds are what they are.
    public let remarks = [
        "The theory predicts the shape (T = +∞ for a too slow head, falling with η_E above the eta-threshold switch, rising again once η_E ≪ η fails), not the numbers: the thresholds ask for a clear optimum — at least 20% faster than the paper's η_E/η = 0.01 and T at η_E = η at least 10% above T*.",
        "The optimum depends on the horizon only through the +∞ region (an event located well before t_end has the same time, to its location tolerance, for a longer t_end); it moves to larger η_E/η as α_2/α_1 grows (the README's fastest-head table).",
    ]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226: the role of η_E ≪ η in Phases II–III; docs/MODEL.md §5.2–5.3"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — the weak feature is learned soonest at an interior head rate, `η_E*/η = «eta_e_star»` (t = «t_star», «speedup_default»× sooner than at the paper's `η_E/η = 0.01`); a head 100× slower than the default, or none, never learns `v₂` by `t_end`, and at `η_E = η` it takes «rise_at_high_end»× longer. See [the fastest head](#the-fastest-head) below."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .canonical }

    /// The search's scan.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.numbers("eta-e/eta scan", search.scanRatios), .text("event", search.event),
         .text("search", "Brent (gsl_min_fminimizer_brent) in ln(η_E/η) to \(search.relativePrecision) relative"),
         .run("no head", preset.with { $0.head = .none })]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none", expectation: "no head: η_E acts on nothing, v_2 is never learned, no optimum",
                            modify: { $0.with { $0.head = .none } }),
            NegativeControl("head diag", expectation: "a diagonal head changes nothing (BN cancels it): v_2 is never learned at any η_E",
                            modify: { $0.with { $0.head = .diag } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let r = try search.run(preset, threads: WorkerPool.coreCount)
        var failures: [String] = []
        if case .failed(let why) = r.verdict { failures.append(why) }
        let best = r.optimum?.time
        func ratio(_ t: Double?) -> Double? { t.flatMap { t in best.map { t / $0 } } }
        let scan = r.scan.map { "\(ClaimNumber.text(NumberFormat.decimalRounded($0.ratio, significant: 4))): \($0.time.map(NumberFormat.short) ?? "never")" }.joined(separator: ", ")
        return ClaimMeasurement(values: [
            MeasuredValue("interior", r.verdict == .interior ? 1 : 0),
            MeasuredValue("eta_e_star", r.optimum?.ratio),
            MeasuredValue("t_star", best),
            MeasuredValue("bracket_width", r.bracket.map { $0.upper / $0.lower - 1 }),
            MeasuredValue("t_paper_default", r.paperDefault.time),
            MeasuredValue("speedup_default", r.speedupOverPaperDefault.value),
            MeasuredValue("fires_at_low_end", r.scan.first?.time == nil ? 0 : 1),
            MeasuredValue("fires_without_head", r.noHeadTime == nil ? 0 : 1),
            MeasuredValue("rise_at_high_end", ratio(r.scan.last?.time)),
        ], notes: ["T(η_E/η) on the scan: \(scan) (\(r.verdict.text(search)); \(r.runs) flows)"], failures: failures)
    }
}
