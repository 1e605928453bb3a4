import HeadFlowNumerics

/// How the prediction head `E` moves (docs/MODEL.md §2 and §6): one type per rule, behind this protocol.
///
/// The population flow (`PopulationField`) and SGD (`TrainingProblem`) read a rule only through it:
/// - a **trained** (or frozen) head moves by its mask — the flow by `dE/dt = −η_E ∂L/∂E ∘ mask`, SGD by
///   `E ← E − lr_E ∂L̂/∂E ∘ mask` (`sgdStep`);
/// - a head **set** from the outputs (DirectPred, DirectCopy) has a zero mask and a `spectralRule`: the flow uses
///   `E = rule(S(A, B))` at every evaluation, SGD `E = rule(Ŝ)` from a running batch estimate (`SpectralHeadEstimate`).
///
/// A new rule is one file with a type conforming to `HeadRule` and one line in `HeadRules.all`; its name then
/// appears in `--head`, `--help`, JSON and `--vary head=…`.
public protocol HeadRule: Sendable {
    /// The rule's `--head` value.
    var name: String { get }
    /// What `E` does, in one line of the paper's notation (for `--help` and the docs).
    var summary: String { get }
    /// Which entries of the `m × m` head train (1) or stay frozen (0); all zero for a head set from the outputs.
    func trainableMask(neurons m: Int) -> Matrix
    /// `E(0)`; `source` draws a random start (its entries' sd `scale`, nil: the rule's default).
    func initialHead(neurons m: Int, source: RandomSource?, scale: Double?) -> Matrix
    /// For a head set from the outputs' second moment `S = E[f fᵀ]`, the map `S ↦ E` with the rule's parameters
    /// `parameters` (`--dp-eps`, `--dp-source`); nil for a trained or frozen head (the state's own `E` is used).
    func spectralRule(_ parameters: DirectPredHead) -> DirectPredHead?
    /// True when the `k = m = 2` closed form (`PopulationObjectiveSmall`) computes this rule's flow. No default:
    /// every rule says (an allow-list; `SmallPathCoverageTests` runs every combination through both paths).
    var coveredBySmallPath: Bool { get }
}

extension HeadRule {
    /// The rule's name as a `HeadKind` (the value the parameter table, JSON and sweeps carry).
    public var kind: HeadKind { HeadKind(registered: name) }

    /// SGD's head step `E ← E − rate · (∂L̂/∂E ∘ mask)` (`rate = lr_E`; nothing when `rate = 0`).
    public func sgdStep(_ e: inout Matrix, gradient g: Matrix, mask: Matrix, rate: Double) {
        if rate == 0 { return }
        for i in 0..<e.storage.count { e.storage[i] -= rate * g.storage[i] * mask.storage[i] }
    }
}
