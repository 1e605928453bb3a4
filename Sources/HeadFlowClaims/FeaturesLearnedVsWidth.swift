import HeadFlowNumerics
import HeadFlowDynamics

/// `features-learned-vs-width` (beyond the paper): with `k = 3`
/// features and `m ∈ {2, 3, 4, 6}` neurons, over random starts, the mean number
/// of distinct features learned (some neuron with `|cos| ≥ 0.9` at `t_end`) is
/// larger with the offdiag head than without, and never exceeds `min(k, m)`.
public struct FeaturesLearnedVsWidth: Claim {
    /// Widths `m` compared.
    public let widths: [Int]
    /// Seeds of the random starts (the same for both arms and every width).
    public let seeds: [UInt64]

    /// The claim at its preset: `m ∈ {2, 3, 4, 6}`, seeds 1…20.
    public init(widths: [Int] = [2, 3, 4, 6], seeds: [UInt64] = Array(1...20)) {
        self.widths = widths
        self.seeds = seeds
    }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "features-learned-vs-width"
    /// The statement in the paper's notation.
    public let statement = "k = 3: for m ∈ {2, 3, 4, 6}, E_seeds[#{ℓ : max_j |cos(w_j, v_ℓ)| ≥ 0.9}] is larger with the offdiag head than with none (each count is ≤ min(k, m) by construction)"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "α = (1.5, 1.0, 0.8), p uniform, d = 100: random starts a_ℓj(0) ~ N(0, 1/d), B(0) ~ (1/d) Wishart_m(d − k, I), seeds 1…20.",
        "Offdiag head with η_E/η = 0.03 against head none from the same starts; counts read at t_end = 2·10⁵.",
    ]
    /// Where it is stated.
    public let reference = "Beyond arXiv:2205.06226: the multi-feature version of the paper's message"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — with `k = 3` features and `m = 2, 3, 4, 6` neurons, the head raises the mean number of features learned from random starts at every width (m = 3: «mean_head_m3» against «mean_none_m3»; m = 6: «mean_head_m6» against «mean_none_m6»)."
    /// Notes.
    public let remarks = [
        "Without the head a random start can still learn v_2 or v_3 (a neuron whose a_ℓj(0)⁴ α_ℓ⁶ is largest for ℓ ≥ 2 goes there), so the no-head mean exceeds 1; the claim compares the two means.",
    ]

    /// What is measured, in `measure`'s order (per width).
    public var quantities: [Quantity] {
        widths.flatMap { m in [
            Quantity("mean_head_m\(m)", "m = \(m): mean number of features learned, offdiag head"),
            Quantity("mean_none_m\(m)", "m = \(m): mean number of features learned, head none"),
        ] }
    }

    /// The pass conditions (per width).
    public var criteria: [Criterion] {
        widths.flatMap { m in [
            Criterion.exceeds("mean_head_m\(m)", "mean_none_m\(m)"),
        ] }
    }

    /// The preset run (see the hypotheses); `neurons` is replaced by each width.
    public var preset: RunSpec {
        RunSpec().with { $0.alpha = [1.5, 1.0, 0.8]; $0.etaE = 0.03; $0.tEnd = 2e5; $0.points = 2 }
    }

    /// Settings beyond the preset: widths and seeds.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.integers("neurons", widths), .integers("seed", seeds.map { Int($0) })]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head diag", expectation: "a diagonal head is no head: the means are equal",
                            modify: { $0.with { $0.head = .diag } }),
        ]
    }

    /// Solves every (width, seed, arm) on both cores and counts learned features.
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        var specs: [RunSpec] = []
        for m in widths { for head in [preset.head, .none] { for s in seeds {
            specs.append(preset.with { $0.neurons = m; $0.head = head; $0.seed = s })
        } } }
        let runs = try ClaimFlow.solveAll(specs)
        var failures: [String] = []
        for (s, t) in zip(specs, runs) {
            if let f = ClaimFlow.failure(t, "m = \(s.neurons), seed \(s.seed), head \(s.head.rawValue)") { failures.append(f) }
        }
        let n = seeds.count
        var values: [MeasuredValue] = []
        for (w, m) in widths.enumerated() {
            let counts = runs[(2 * w * n)..<(2 * w * n + 2 * n)].map(\.featuresLearned)
            let head = counts.prefix(n), none = counts.suffix(n)
            values += [
                MeasuredValue("mean_head_m\(m)", Double(head.reduce(0, +)) / Double(n)),
                MeasuredValue("mean_none_m\(m)", Double(none.reduce(0, +)) / Double(n)),
            ]
        }
        return ClaimMeasurement(values: values, failures: failures)
    }
}
