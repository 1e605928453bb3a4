import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// The seam between a sweep and what solves one cell (`PopulationEngine`, `SGDEngine`, `ImageEngine`):
/// validate a cell's `RunSpec`, run it, record it. Sweeps, stores and reports never care which engine ran.
public protocol SweepEngine: Sendable {
    /// The engine's name, as `--engine` takes it.
    var name: String { get }
    /// Everything besides the `RunSpec` that decides a cell's result (recorded
    /// in the sweep's manifest, so a resumed or merged sweep used the same).
    var settingsJSON: JSONValue { get }
    /// Throws a `ParameterError` naming the first parameter of a cell this engine rejects.
    func validate(_ spec: RunSpec) throws(ParameterError)
    /// Runs cell `cell` and records it; a spec rejected here is recorded as failed, never dropped.
    func run(_ cell: SweepCell) -> CellResult
}

/// An engine whose cell is a `Trajectory` (the population flow, synthetic SGD): outcome, events and head
/// peaks are read off it the same way whichever solved it.
public protocol TrajectoryEngine: SweepEngine {
    /// Validates a cell's parameters and returns the start it would use.
    func prepare(_ spec: RunSpec) throws(ParameterError) -> ReducedState
    /// Solves one cell. Throws only for parameters `prepare` rejects; a
    /// numerical failure is `trajectory.status`, with the time reached.
    func solve(_ spec: RunSpec) throws(ParameterError) -> Trajectory
    /// Every parameter of a cell, as recorded (default: `spec.json(start:)`).
    func parameters(_ spec: RunSpec, start: ReducedState) -> JSONValue
}

extension TrajectoryEngine {
    /// The run's parameters and start (`RunSpec.json(start:)`).
    public func parameters(_ spec: RunSpec, start: ReducedState) -> JSONValue { spec.json(start: start) }

    /// `prepare`, for its checks.
    public func validate(_ spec: RunSpec) throws(ParameterError) { _ = try prepare(spec) }

    /// Runs cell `cell` and records it; a spec rejected here (it passed
    /// `prepare` before) is recorded as failed at `t = 0`, never dropped.
    public func run(_ cell: SweepCell) -> CellResult {
        do {
            let start = try prepare(cell.spec)
            let parameters = self.parameters(cell.spec, start: start)
            return CellResult(index: cell.index, values: cell.values, parameters: parameters, trajectory: try solve(cell.spec))
        } catch {
            return CellResult(index: cell.index, values: cell.values, parameters: cell.spec.json, rejected: error.description)
        }
    }
}

/// The engines `--engine` names.
public enum EngineKind: String, CaseIterable, Sendable {
    /// The exact population gradient flow (GSL `odeiv2`): `PopulationEngine`.
    case population
    /// Mini-batch SGD (`headflow train`): `SGDEngine`.
    case sgd

    /// The engine as the parameter table names it (which parameters act).
    public var engines: RunParameter.Engines { self == .population ? .population : .sgd }
}

/// The population gradient flow of docs/MODEL.md §4 as a sweep engine: builds the
/// `PopulationProblem` from the cell's spec and solves it with GSL under the
/// spec's stepper, tolerances and `--max-steps` (a stiff cell then fails at
/// the time reached instead of running on).
public struct PopulationEngine: TrajectoryEngine {
    /// The engine (it has no settings beyond the run's).
    public init() {}

    /// `population`.
    public var name: String { "population" }

    /// `{name}`: the run's own parameters (stepper, tolerances, `max-steps`) are in every cell.
    public var settingsJSON: JSONValue { .object([("name", .string(name))]) }

    /// `spec.problem()`'s start (validates every parameter).
    public func prepare(_ spec: RunSpec) throws(ParameterError) -> ReducedState { try spec.problem().start }

    /// GSL `odeiv2` from 0 to `t_end` under `spec.settings`.
    public func solve(_ spec: RunSpec) throws(ParameterError) -> Trajectory {
        PopulationSolver(settings: spec.settings).solve(try spec.problem(), saveat: spec.sampling, keep: .endpoints)
    }
}
