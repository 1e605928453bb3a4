import HeadFlowNumerics
import HeadFlowModel

/// One recorded point of a trajectory.
public struct TrajectorySample: Sendable {
    /// Time `t` (units where `η = 1` unless set; for SGD `t = lr · step`).
    public let time: Double
    /// The state `(A, R, E)` at `t`.
    public let state: ReducedState
    /// `ρ_j` at `t`.
    public let correlations: [Double]
    /// `L = Σ_j 2(1 − ρ_j)` at `t`.
    public let loss: Double
    /// `erank` and RankMe of the online outputs `f` at `t` (nil when not computed).
    public var outputRank: RepresentationRank? = nil
    /// `erank` and RankMe of the head's outputs `F = E f` at `t` (nil when not computed).
    public var headRank: RepresentationRank? = nil
    /// SGD only: the batch estimates of `erank` and RankMe of `f` from the step's batch (nil otherwise).
    public var batchOutputRank: RepresentationRank? = nil
    /// SGD only: the batch estimates of `erank` and RankMe of `F = E f` (nil otherwise).
    public var batchHeadRank: RepresentationRank? = nil

    /// `A = Vᵀ W` at `t`.
    public var a: Matrix { state.a }
    /// `cos_{ℓj} = a_{ℓj} / ‖w_j‖` at `t`.
    public var cosines: Matrix { state.cosines }
    /// `B = Wᵀ Π W` at `t`.
    public var b: Matrix { state.b }
    /// The head `E` at `t`.
    public var e: Matrix { state.e }
    /// `‖w_j‖` at `t`.
    public var norms: [Double] { state.norms }
    /// `‖E − I‖_F` at `t`.
    public var headDeviation: Double { (state.e - .identity(state.neurons)).frobeniusNorm }
}

/// A named event and the time it was located (nil: it never happened).
public struct EventRecord: Equatable, Sendable {
    /// Event name (`learn_w1_v1`, `substitution`, …; 1-based indices).
    public let name: String
    /// Located time, or nil when the event did not occur by the end.
    public var time: Double?

    /// The event `name`, located at `time` (nil: it did not occur).
    package init(name: String, time: Double?) { self.name = name; self.time = time }
}

/// The peak of one off-diagonal head entry `|E_jr|` over the run, and when.
public struct PeakRecord: Equatable, Sendable {
    /// `max_t |E_jr(t)|` over accepted steps.
    public var value: Double
    /// A time at which it was reached.
    public var time: Double
}

/// How a solve ended. A failure keeps the time reached; the samples stop there.
public enum SolveStatus: Equatable, Sendable {
    /// Reached `t_end`.
    case success
    /// Stopped early; see the failure for the time reached.
    case failed(IntegrationFailure)

    /// True for `.success`.
    public var isSuccess: Bool { self == .success }
}

/// The *solution*: recorded samples, located events, head peaks and a status
/// the caller must check. Produced by every solver (population flow, SGD).
public struct Trajectory: Sendable {
    /// Recorded samples, in time order (the first at `t = 0`).
    public var samples: [TrajectorySample]
    /// Every event the solver watches, in a fixed order, located or nil.
    public var events: [EventRecord]
    /// Peaks of `|E_jr|` for `j ≠ r` (row j, column r); diagonal entries nil.
    public var peaks: [[PeakRecord?]]
    /// How the solve ended.
    public var status: SolveStatus
    /// Accepted steps.
    public var steps: Int
    /// Right-hand-side (or gradient) evaluations.
    public var evaluations: Int

    /// The last recorded sample.
    public var final: TrajectorySample { samples[samples.count - 1] }

    /// The time of the event called `name`, nil when it did not occur (or is unknown).
    public func time(of name: String) -> Double? { events.first { $0.name == name }?.time ?? nil }

    /// The largest `‖E − I‖_F` over the recorded samples.
    public var maxHeadDeviation: Double { samples.reduce(0) { max($0, $1.headDeviation) } }
}
