import HeadFlowModel

/// The events a solve watches, as a value passed to `solve` (SciML's
/// callbacks): the paper's events with their thresholds, plus any conditions
/// a caller adds. Every event is located by bisection to the solver's event
/// tolerance — its time is found, not rounded to the next recorded sample.
///
/// The paper's events (docs/MODEL.md §5):
/// - `learn_w{j}_v{ℓ}`: first time `|cos_{ℓj}| ≥ learnThreshold`;
/// - `substitution_w{j}_by_w{i}_v{ℓ}`: once neuron `i` is the first to learn
///   `v_ℓ`, the first later time with `|E_ji|·|a_{ℓi}|³ > substitutionFactor·|a_{ℓj}|³`;
/// - `substitution` (m = 2): the one for `ℓ = 1`, `i` the first to learn `v_1`;
/// - the peaks of every off-diagonal `|E_jr|` over accepted steps.
public struct EventSet: Sendable {
    /// `|cos_{ℓj}|` at which neuron `j` has learned `v_ℓ` (0.9).
    public var learnThreshold: Double
    /// How many times `|a_{ℓj}|³` the head must supply for a substitution (10).
    public var substitutionFactor: Double
    /// Conditions added by the caller, recorded after the paper's events under their names.
    public var custom: [FlowEvent]

    /// The paper's events with the given thresholds, plus `custom`.
    public init(learnThreshold: Double = 0.9, substitutionFactor: Double = 10, custom: [FlowEvent] = []) {
        self.learnThreshold = learnThreshold; self.substitutionFactor = substitutionFactor; self.custom = custom
    }

    /// The paper's events at their default thresholds.
    public static let standard = EventSet()

    /// These events plus `event`.
    public func adding(_ event: FlowEvent) -> EventSet {
        var s = self
        s.custom.append(event)
        return s
    }
}

/// A named condition on the state; the event is the first time it holds
/// (located by bisection between accepted steps; at `t = 0` if it holds at the start).
public struct FlowEvent: Sendable {
    /// The name it is recorded under in `Trajectory.events`.
    public let name: String
    /// The condition on `(A, R, E)`.
    public let condition: @Sendable (ReducedState) -> Bool

    /// An event called `name` that fires when `condition` first holds.
    public init(_ name: String, when condition: @escaping @Sendable (ReducedState) -> Bool) {
        self.name = name; self.condition = condition
    }
}
