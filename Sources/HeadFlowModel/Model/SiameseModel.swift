import HeadFlowNumerics
import HeadFlowData

/// The model of docs/MODEL.md §2 and §6 as one value: the data and the rules (`SiameseRules`). The population
/// flow (`PopulationField`: this model with the rates `η`, `η_E`) and SGD (`TrainingProblem`: this model with a
/// start, steps and batches) hold the same value; neither repeats a field. The rules read through it
/// (`model.head`, `model.target`, …).
@dynamicMemberLookup
public struct SiameseModel: Sendable {
    /// The data distribution (features, patches, noise, mask).
    public var data: DataModel
    /// The head rule, the target rule and the stop-gradient (also held by SGD on images).
    public var rules: SiameseRules

    /// The paper's model on `data` with head `head`: target = online weights, stop-gradient.
    public init(data: DataModel, head: HeadKind) {
        self.data = data; rules = SiameseRules(head: head)
    }

    /// A rule of the model (`model.head`, `model.emaTau = 50`, …).
    public subscript<T>(dynamicMember key: WritableKeyPath<SiameseRules, T>) -> T {
        get { rules[keyPath: key] }
        set { rules[keyPath: key] = newValue }
    }

    /// A derived property of the rules (`model.spectralHead`, `model.coveredBySmallPath`, …).
    public subscript<T>(dynamicMember key: KeyPath<SiameseRules, T>) -> T { rules[keyPath: key] }
}

/// How `E`, the target branch and the gradient behave (docs/MODEL.md §2 and §6), whatever the data: the synthetic
/// model's (`SiameseModel.rules`) and the image network's (`ImageTrainingProblem.rules`). Validated in one place,
/// `validateRules(lr:)`.
public struct SiameseRules: Sendable {
    /// The head rule's name (`--head`); `headRule` is the rule.
    public var head: HeadKind
    /// `ε` and source of a head set from the outputs (`--dp-eps`, `--dp-source`; the exponent comes from the rule).
    public var directPred = DirectPredHead()
    /// `ρ` of SGD's running second moment for a head set from the outputs (`--dp-rho`, `0 ≤ ρ < 1`; SGD only).
    public var dpRho: Double = 0.3
    /// The target branch `G`: the online weights (`same`, the paper) or BYOL's momentum target (`ema`).
    public var target: TargetRule = .same
    /// `τ > 0` of the EMA target (units of 1/η); read only for `target == .ema`.
    public var emaTau: Double = 100
    /// Stop-gradient on the target branch (the paper: on); `off` is defined for the target `same`.
    public var stopGradient: StopGradientRule = .on

    /// The paper's rules with head `head`: target = online weights, stop-gradient.
    public init(head: HeadKind) { self.head = head }

    /// The head rule.
    public var headRule: any HeadRule { head.rule }

    /// The map `S ↦ E` of a head set from the outputs (with this model's `ε` and source), nil for a trained head.
    public var spectralHead: DirectPredHead? { headRule.spectralRule(directPred) }

    /// True when the `k = m = 2` closed form covers these rules (each rule says; stop-gradient off never).
    public var coveredBySmallPath: Bool {
        headRule.coveredBySmallPath && target.coveredBySmallPath && stopGradient == .on
    }

    /// True when a neighbouring mechanism of §6 (EMA target, no stop-gradient, a head set from the outputs) is on.
    public var hasNeighbours: Bool { target == .ema || stopGradient == .off || spectralHead != nil }
}
