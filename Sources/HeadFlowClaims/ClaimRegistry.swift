/// Every claim headflow checks, in the order `headflow reproduce --all` runs
/// and prints them. Ids are a contract: a claim is added, never renamed.
public enum ClaimRegistry {
    /// The claims, in report order (the phases in the paper's order, then the
    /// comparisons across heads, grids and seeds).
    public static let all: [any Claim] = [
        OptimaTie(),
        Phase1StrongFirst(),
        Phase2Substitution(),
        Phase2HeadScale(),
        Phase3Acceleration(),
        Phase4HeadReturns(),
        CollapseWithoutHead(),
        DiagHeadIsNone(),
        EtaThreshold(),
        BoundaryCurve(),
        Phase1TimeScaling(),
        SeedsDiversity(),
        CascadeK3(),
        CascadeOrder(),
        FeaturesLearnedVsWidth(),
        EMAKeepsSubstitution(),
        NoStopGradientCollapses(),
        DirectPredNoSubstitution(),
        ErankTracksCollapse(),
        FastestHeadInterior(),
        RealImagesHead(),
    ]

    /// The ids, in report order.
    public static var ids: [String] { all.map(\.id) }

    /// The claim called `id`, nil when there is none.
    public static func claim(_ id: String) -> (any Claim)? { all.first { $0.id == id } }
}
