import HeadFlowNumerics
import HeadFlowDynamics

/// `seeds-diversity` (docs/MODEL.md §5, the empirical claim): over random starts,
/// the fraction of runs that learn both features, by different neurons
/// (outcome `diverse`), is larger with the paper's head than without.
public struct SeedsDiversity: Claim {
    /// The seeds of the random starts (the same for both arms).
    public let seeds: [UInt64]

    /// The claim at its preset: seeds 1…64.
    public init(seeds: [UInt64] = Array(1...64)) { self.seeds = seeds }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "seeds-diversity"
    /// The statement in the paper's notation.
    public let statement = "P(diverse | offdiag head) > P(diverse | head none) over random starts, diverse = every v_ℓ learned (|cos| ≥ 0.9) by some neuron at t_end"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Random starts from seeds 1…64: a_ℓj(0) ~ N(0, 1/d), B(0) ~ (1/d) Wishart_m(d − k, I), d = 64; m = k = 2.",
        "Both arms from the same starts: the preset's head (offdiag, η_E/η = 0.01) and head none; outcome read at t_end = 10⁵.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("fraction_head", "fraction of diverse outcomes with the preset's head"),
        Quantity("fraction_none", "fraction of diverse outcomes with head none"),
        Quantity("undecided_head", "runs with the head where some neuron is on no feature at t_end"),
        Quantity("undecided_none", "runs without head where some neuron is on no feature at t_end"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .exceeds("fraction_head", "fraction_none"),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the empirical finding (an identity-initialized head with trainable off-diagonal entries learns diverse features although collapsed optima exist); docs/MODEL.md §5"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "over 64 random starts, the head raises the fraction of runs that learn both features (by different neurons) from «fraction_none:%» to «fraction_head:%»."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec().with { $0.d = 64; $0.tEnd = 1e5 } }

    /// The arm compared with: the same preset with head none.
    public func baseline(for preset: RunSpec) -> RunSpec { preset.with { $0.head = .none } }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.integers("seed", seeds.map { Int($0) }), .run("baseline", baseline(for: preset))]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head diag",
                            expectation: "a diagonal head is no head (diag-head-is-none): the fractions are equal",
                            modify: { $0.with { $0.head = .diag } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let base = baseline(for: preset)
        let specs = seeds.map { s in preset.with { $0.seed = s } } + seeds.map { s in base.with { $0.seed = s } }
        let runs = try ClaimFlow.solveAll(specs)
        var failures: [String] = []
        for (s, t) in zip(specs, runs) { if let f = ClaimFlow.failure(t, "seed \(s.seed), head \(s.head.rawValue)") { failures.append(f) } }
        let n = seeds.count
        let head = runs[..<n].map(\.outcome), none = runs[n...].map(\.outcome)
        func fraction(_ o: [Outcome]) -> Double { Double(o.filter { $0 == .diverse }.count) / Double(max(o.count, 1)) }
        return ClaimMeasurement(values: [
            MeasuredValue("fraction_head", fraction(head)), MeasuredValue("fraction_none", fraction(none)),
            MeasuredValue("undecided_head", Double(head.filter { $0 == .undecided }.count)),
            MeasuredValue("undecided_none", Double(none.filter { $0 == .undecided }.count)),
        ], failures: failures)
    }
}
