import HeadFlowNumerics
import HeadFlowDynamics

/// What a sweep records per cell and tabulates (`--outcome NAME`):
///
/// - `outcome`: diverse / collapse / partial / weak-only / undecided at `t_end`;
/// - an event name (`learn_w1_v1`, `substitution`, …): its time, as `headflow run` locates it;
/// - `t_learn`: the first time any neuron learns the weak feature `v_2`;
/// - `peak_e21` (any off-diagonal `peak_ejr`): `max_t |E_jr(t)|`;
/// - `final_loss`: `L(t_end)`; `features_learned`: distinct features some neuron is on at `t_end`;
/// - `erank`, `rankme` (of the online outputs `f`), `erank_F`, `rankme_F` (of `F = E f`) and
///   `head_deviation` (`‖E − I‖_F`) at `t_end`.
public enum SweepMetric: Equatable, Sendable, CustomStringConvertible {
    /// The outcome class.
    case outcome
    /// Number of distinct features learned at `t_end`.
    case featuresLearned
    /// The loss at `t_end`.
    case finalLoss
    /// First learn time of `v_2` by any neuron.
    case weakLearnTime
    /// The time of a watched event.
    case event(String)
    /// `max_t |E_jr|` (`j ≠ r`), by its name `peak_e{j}{r}`.
    case peak(String)
    /// A number at `t_end`: `erank`, `rankme`, `erank_F`, `rankme_F`, `head_deviation`.
    case final(String)

    /// The names of the `final` metrics, and the key each reads in `CellResult.finalMetrics`.
    static let finalNames: [(name: String, key: String)] = [
        ("erank", "erank_f"), ("rankme", "rankme_f"), ("erank_F", "erank_F"), ("rankme_F", "rankme_F"),
        ("head_deviation", "head_deviation"),
    ]

    /// The metrics of an image sweep's cells (`ImageEngine`), by name: the last evaluation's.
    public static let imageNames = ["linear_probe", "knn", "erank", "rankme", "max_neuron_cos", "head_offdiag_max", "head_deviation", "final_loss"]

    /// Parses a metric name of an image sweep (`imageNames`). Throws a `ParameterError` for `option`.
    public init(parsingImage text: String, option: String = "outcome") throws(ParameterError) {
        guard Self.imageNames.contains(text) else {
            throw ParameterError(option, must: "one of " + Self.imageNames.joined(separator: ", ") + " (an image sweep)", got: "\"\(text)\"")
        }
        self = text == "final_loss" ? .finalLoss : .final(text)
    }

    /// The value of a metric in one cell.
    public enum Value: Equatable, Sendable {
        /// An outcome class.
        case outcome(Outcome)
        /// A number.
        case number(Double)
    }

    /// Parses a metric name for cells with `k` features and `m` neurons (event
    /// names are those the solver watches). Throws a `ParameterError` for `option`.
    public init(parsing text: String, features k: Int, neurons m: Int, option: String = "outcome") throws(ParameterError) {
        let names = Self.names(features: k, neurons: m)
        guard names.contains(text) else {
            throw ParameterError(option, must: "one of " + names.joined(separator: ", "), got: "\"\(text)\"")
        }
        switch text {
        case "outcome": self = .outcome
        case "features_learned": self = .featuresLearned
        case "final_loss": self = .finalLoss
        case "t_learn": self = .weakLearnTime
        case _ where Self.finalNames.contains { $0.name == text }: self = .final(text)
        default:
            self = text.hasPrefix("peak_e") ? .peak(text) : .event(text)
        }
    }

    /// Every valid name for `k` features and `m` neurons, in a fixed order.
    public static func names(features k: Int, neurons m: Int) -> [String] {
        var out = ["outcome", "features_learned", "final_loss"] + finalNames.map(\.name)
        if k >= 2 { out.append("t_learn") }
        for j in 0..<m { for r in 0..<m where r != j { out.append(CellResult.peakName(j, r, neurons: m)) } }
        out += EventMonitor(features: k, neurons: m).records.map(\.name)
        return out
    }

    /// The name, as given to `--outcome`.
    public var description: String {
        switch self {
        case .outcome: return "outcome"
        case .featuresLearned: return "features_learned"
        case .finalLoss: return "final_loss"
        case .weakLearnTime: return "t_learn"
        case .event(let e): return e
        case .peak(let name): return name
        case .final(let name): return name
        }
    }

    /// Whether the metric is a number (everything but `outcome`).
    public var isNumeric: Bool { self != .outcome }

    /// The metric in `cell`; nil when the cell failed or the event did not occur.
    public func value(in cell: CellResult) -> Value? {
        guard cell.status == .finished else { return nil }
        switch self {
        case .outcome: return cell.outcome.map { .outcome($0) }
        case .featuresLearned: return cell.featuresLearned.map { .number(Double($0)) }
        case .finalLoss: return cell.finalLoss.map { .number($0) }
        case .weakLearnTime: return cell.weakLearnTime.map { .number($0) }
        case .event(let name): return cell.events.first { $0.name == name }?.time.map { .number($0) }
        case .peak(let name): return cell.peaks.first { $0.name == name }.map { .number($0.value) }
        case .final(let name):
            let key = Self.finalNames.first { $0.name == name }?.key ?? name
            return cell.finalMetrics.first { $0.name == key }.map { .number($0.value) }
        }
    }

    /// The numeric value in `cell` (nil for `outcome`, a failed cell or a missing event).
    public func number(in cell: CellResult) -> Double? {
        if case .number(let x) = value(in: cell) { return x }
        return nil
    }
}
