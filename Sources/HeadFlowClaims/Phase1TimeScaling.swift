import HeadFlowNumerics
import HeadFlowDynamics

/// `phase1-time-scaling` (docs/MODEL.md §4, §5.1): from a random start with
/// `σ_0 = 1/√d`, the time `T_1` at which the first neuron learns `v_1`
/// (`|cos(w_j, v_1)| ≥ 0.9`) grows like `d²` — the paper's
/// `T_1 = O(d^{2+o(1)}/η)`. Measured: the GSL least-squares slope of
/// `log median_seeds T_1` on `log d`.
///
/// Why `d²`: with `a ~ 1/√d` and `B ≈ I`, `ρ_j ∝ Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓj}⁶`, so
/// `ȧ ∝ a⁵` and the escape time scales as `a(0)⁻⁴ ∝ d²`.
public struct Phase1TimeScaling: Claim {
    /// The dimensions `d`.
    public let dimensions: [Int]
    /// The seeds of the random starts, the same for every `d`.
    public let seeds: [UInt64]
    /// Longest time a run is integrated, in units of `d²` (a safety cap; the
    /// runs of one `d` stop as soon as their median is known, see `measure`).
    public let horizonPerD2: Double

    /// The claim at its preset: `d ∈ {64, 128, …, 4096}`, seeds 1…16, cap `10 d²`.
    public init(dimensions: [Int] = [64, 128, 256, 512, 1024, 2048, 4096], seeds: [UInt64] = Array(1...16),
                horizonPerD2: Double = 10) {
        self.dimensions = dimensions; self.seeds = seeds; self.horizonPerD2 = horizonPerD2
    }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase1-time-scaling"
    /// The statement in the paper's notation.
    public let statement = "T_1 = O(d^{2+o(1)}/η): the slope of log median T_1 on log d, d ∈ {64, …, 4096}, σ_0 = 1/√d, is 2 ± 0.3"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Random start: a_ℓj(0) ~ N(0, σ_0²), B(0) ~ σ_0² Wishart_m(d − k, I), σ_0 = 1/√d at each d (the preset leaves init-scale unset; its JSON shows 0.1 = 1/√100 for the preset's own d = 100); seeds 1…16 at every d.",
        "T_1 = the first time any neuron j reaches |cos(w_j, v_1)| ≥ 0.9 (\"neuron 1\" of docs/MODEL.md §5 is that neuron).",
        "The paper's head (offdiag), η = 1, η_E/η = 0.01.",
        "Early stopping, exact for the median: the 16 runs of one d are integrated together in pieces (2·10⁴, then +25% of the time elapsed) until 9 of them (n/2 + 1) have learned v_1, at most 10 d². The others are censored: their T_1 exceeds every reported one, so they enter the median as +∞ without changing it (typically seeds whose neurons learn v_2 first, outside the paper's high-probability event, whose flow is stiff and costly to follow).",
        "Fit: gsl_fit_linear of log median T_1 on log d; the median over seeds by gsl_stats_median.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("exponent", "fitted slope of log median T_1 on log d"),
        Quantity("exponent_error", "standard error of the slope (GSL)"),
        Quantity("median_T1_dmin", "median T_1 at the smallest d"),
        Quantity("median_T1_dmax", "median T_1 at the largest d"),
        Quantity("runs", "runs (dimensions × seeds)"),
        Quantity("censored", "runs that did not learn v_1 within the horizon"),
        Quantity("median_exact", "1 when at every d at least n/2 + 1 runs learned v_1 before the cap (the median is then exact)"),
    ]
    /// What decides it, for the short table: `exponent`, `exponent_error`.
    public let headline = ["exponent", "exponent_error"]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .within("exponent", of: 2, by: 0.3),
        .equals("median_exact", 1),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, Phase I of the learning process: the strong feature is learned after T_1 = O(d^{2+o(1)}/η); docs/MODEL.md §5.1"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "from a random start with `σ₀ = 1/√d`, the median time to learn the strong feature grows as `d^«exponent»` over `d = 64 … 4096`, the paper's `T₁ = O(d^{2+o(1)}/η)`."

    /// `d = 100`, random start from the seed, `σ_0 = 1/√d`, offdiag head, `t_end = 2·10⁴` (the first piece).
    public var preset: RunSpec { RunSpec() }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.integers("d", dimensions), .integers("seed", seeds.map { Int($0) }),
         .numbers("horizon/d^2", [horizonPerD2])]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("the same start at every d",
                            expectation: "init-scale 0.125 and init-b = I at every d: d enters the flow only through the start (docs/MODEL.md §4), so T_1 no longer depends on d (exponent ≈ 0)",
                            modify: { $0.with { $0.initScale = 0.125; $0.initB = .identity($0.neurons) } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        var failures: [String] = [], notes: [String] = [], medians: [Double] = []
        var censored = 0, exact = true
        let ds = dimensions.sorted(), n = seeds.count, quorum = n / 2 + 1
        for d in ds {
            let specs = seeds.map { seed in preset.with { $0.d = d; $0.seed = seed } }
            let m = preset.neurons
            let r = try ClaimFlow.firstTimes(specs, horizon: horizonPerD2 * Double(d * d), quorum: quorum) {
                ClaimFlow.firstLearning($0, feature: 1, neurons: m)?.time
            }
            failures += r.failures
            let open = r.times.filter { $0 == nil }.count
            censored += open
            exact = exact && n - open >= quorum && r.failures.isEmpty
            let median = Statistics.median(r.times.map { $0 ?? .infinity })
            medians.append(median)
            notes.append("d=\(d): \(median.isFinite ? "\(Int(median.rounded()))" : "—") (\(open) censored beyond \(Int(r.censoredAt)))")
        }
        let fit = medians.allSatisfy(\.isFinite) ? LeastSquaresFit.powerLaw(x: ds.map(Double.init), y: medians) : nil
        return ClaimMeasurement(values: [
            MeasuredValue("exponent", fit?.slope), MeasuredValue("exponent_error", fit?.slopeError),
            MeasuredValue("median_T1_dmin", medians.first), MeasuredValue("median_T1_dmax", medians.last),
            MeasuredValue("runs", Double(ds.count * n)), MeasuredValue("censored", Double(censored)),
            MeasuredValue("median_exact", exact ? 1 : 0),
        ], notes: ["median T_1 by d: " + notes.joined(separator: ", ")], failures: failures)
    }
}
