/// The registry of head rules: one line per rule, in the order `--help` lists them.
public enum HeadRules {
    /// Every head rule headflow knows (a new rule: one file with its type, one line here).
    public static let all: [any HeadRule] = [
        TrainedHead.none,
        TrainedHead.offdiag,
        TrainedHead.full,
        TrainedHead.diag,
        TrainedHead.random,
        SpectralHead.directpred,
        SpectralHead.directcopy,
    ]

    /// The rule named `name`, nil for an unknown name.
    public static func rule(named name: String) -> (any HeadRule)? { all.first { $0.name == name } }
}
