import HeadFlowNumerics

/// What a run ends as, read off the final cosines `cos_{ℓj}` (a neuron is "on"
/// `v_ℓ` when `|cos_{ℓj}| ≥ threshold`, 0.9 by default — the `learn` threshold).
public enum Outcome: String, CaseIterable, Sendable, Codable {
    /// Every feature is learned, necessarily by different neurons.
    case diverse
    /// Every neuron is on `v_1`: dimensional collapse.
    case collapse
    /// Every neuron is on some feature, `v_1` is learned, but not every feature.
    case partial
    /// Every neuron is on some feature and none on `v_1`.
    case weakOnly = "weak-only"
    /// Some neuron is on no feature by the end.
    case undecided

    /// One-character symbol for phase tables.
    public var symbol: Character {
        switch self {
        case .diverse: return "D"
        case .collapse: return "C"
        case .partial: return "p"
        case .weakOnly: return "w"
        case .undecided: return "."
        }
    }

    /// Classifies the final cosines (k×m).
    public init(cosines c: Matrix, threshold: Double = 0.9) {
        let k = c.rows, m = c.cols
        let onFeature: [Int?] = (0..<m).map { j in (0..<k).first { abs(c[$0, j]) >= threshold } }
        let learned = Set(onFeature.compactMap { $0 })
        if learned.count == k { self = .diverse }
        else if onFeature.allSatisfy({ $0 == 0 }) { self = .collapse }
        else if onFeature.contains(where: { $0 == nil }) { self = .undecided }
        else if !learned.contains(0) { self = .weakOnly }
        else { self = .partial }
    }

    /// Number of distinct features some neuron is on (`|cos| ≥ threshold`).
    public static func learnedFeatureCount(cosines c: Matrix, threshold: Double = 0.9) -> Int {
        (0..<c.rows).filter { l in (0..<c.cols).contains { abs(c[l, $0]) >= threshold } }.count
    }
}

extension Trajectory {
    /// The outcome at the last recorded sample.
    public var outcome: Outcome { Outcome(cosines: final.cosines) }
}
