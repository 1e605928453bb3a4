import HeadFlowNumerics

/// The name of a head rule (`--head`), as the parameter table, JSON and sweeps carry it: one of
/// `HeadRules.all` (docs/MODEL.md §2). `rule` is the rule itself.
public struct HeadKind: RawRepresentable, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The rule's name.
    public let rawValue: String

    /// The kind named `rawValue`, nil when no rule of `HeadRules.all` has that name.
    public init?(rawValue: String) {
        guard HeadRules.rule(named: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    /// A registered name (the rules' own `kind`).
    init(registered name: String) { rawValue = name }

    /// Every registered rule's kind, in `HeadRules.all`'s order.
    public static var allCases: [HeadKind] { HeadRules.all.map(\.kind) }

    /// The rule this kind names.
    public var rule: any HeadRule { HeadRules.rule(named: rawValue)! }

    public var description: String { rawValue }

    /// Which entries of the m×m head are trainable (1) or frozen (0) (the rule's mask).
    public func trainableMask(neurons m: Int) -> Matrix { rule.trainableMask(neurons: m) }

    /// `E(0)` (the rule's: the identity, or for `random` entries `N(0, scale²)` from `source`).
    public func initialHead(neurons m: Int, source: RandomSource?, scale: Double? = nil) -> Matrix {
        rule.initialHead(neurons: m, source: source, scale: scale)
    }

    /// True for a head set from the outputs' spectrum (`directpred`, `directcopy`), false for a trained or frozen head.
    public var isSpectral: Bool { rule.spectralRule(DirectPredHead()) != nil }

    /// The exponent `γ` of a head set from the outputs' spectrum (`directpred` 1/2, `directcopy` 1); nil otherwise.
    public var spectralExponent: Double? { rule.spectralRule(DirectPredHead())?.exponent }
}

extension HeadKind {
    /// No head: `E = I`, frozen.
    public static let none = TrainedHead.none.kind
    /// The paper's head: `E(0) = I`, diagonal frozen at 1, off-diagonal trainable.
    public static let offdiag = TrainedHead.offdiag.kind
    /// `E(0) = I`, every entry trainable.
    public static let full = TrainedHead.full.kind
    /// `E(0) = I`, only the diagonal trainable.
    public static let diag = TrainedHead.diag.kind
    /// Every entry trainable, random start `E_jr(0) ~ N(0, 1/m)` **(choice)**.
    public static let random = TrainedHead.random.kind
    /// DirectPred: set from `S`, never trained (see `SpectralHead`).
    public static let directpred = SpectralHead.directpred.kind
    /// DirectCopy: as `directpred` with exponent 1.
    public static let directcopy = SpectralHead.directcopy.kind
}
