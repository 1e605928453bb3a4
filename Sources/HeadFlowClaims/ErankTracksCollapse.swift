import HeadFlowNumerics
import HeadFlowDynamics

/// `erank-tracks-collapse` (beyond the paper; docs/MODEL.md, "Representation rank"):
/// the effective rank of the outputs' correlation matrix, the practitioners' measure
/// of dimensional collapse, ends at `m = 2` with the paper's head and at 1 without it
/// (canonical start), for `f` and for `F = E f` alike.
public struct ErankTracksCollapse: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "erank-tracks-collapse"
    /// The statement in the paper's notation.
    public let statement = "erank(C_f)(t_end) > 1.99 with head offdiag and < 1.01 with head none, C_f = D^{-1/2} S D^{-1/2}; the same for F = E f"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I; t_end = 2·10⁴; the baseline is the same run with head none.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("erank_head", "erank of f at t_end with the preset's head"),
        Quantity("erank_F_head", "erank of F = E f at t_end with the preset's head"),
        Quantity("erank_none", "erank of f at t_end with head none"),
        Quantity("rankme_head", "RankMe (population value) of f at t_end with the preset's head"),
        Quantity("rankme_none", "RankMe of f at t_end with head none"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .above("erank_head", 1.99), .above("erank_F_head", 1.99), .below("erank_none", 1.01),
    ]
    /// Notes on the thresholds.
    public let remarks = [
        "erank measures decorrelation, not feature learning: a neuron that has learned nothing carries uncorrelated noise and also counts (docs/neighbours.md).",
    ]
    /// Where the question comes from.
    public let reference = "beyond arXiv:2205.06226: effective rank (Roy & Vetterli 2007), RankMe (Garrido et al. 2023); docs/MODEL.md"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — the effective rank of the outputs ends at «erank_head» with the head and «erank_none» without: it measures the collapse (see [`docs/neighbours.md`](docs/neighbours.md))."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical }

    /// The baseline run.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [.run("baseline", preset.with { $0.head = .none })] }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [NegativeControl("head none", expectation: "no head: the outputs collapse, erank ≈ 1 in both arms",
                         modify: { $0.with { $0.head = .none } })]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let runs = try ClaimFlow.solveAll([preset, preset.with { $0.head = .none }])
        let failures = [ClaimFlow.failure(runs[0], "run"), ClaimFlow.failure(runs[1], "baseline")].compactMap { $0 }
        let h = runs[0].final, n = runs[1].final
        return ClaimMeasurement(values: [
            MeasuredValue("erank_head", h.outputRank?.erank), MeasuredValue("erank_F_head", h.headRank?.erank),
            MeasuredValue("erank_none", n.outputRank?.erank),
            MeasuredValue("rankme_head", h.outputRank?.rankMe), MeasuredValue("rankme_none", n.outputRank?.rankMe),
        ], failures: failures)
    }
}
