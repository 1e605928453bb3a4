import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// Mini-batch SGD (`headflow train`) as a sweep engine: each cell's `RunSpec`
/// carries its training parameters (`batch`, `lr`, `steps`, data, sampler, rng,
/// BN `ε`, data seed: the base's, or an axis's), and the engine records the
/// base's in the sweep's manifest. The solver returns the same `Trajectory` as
/// the population flow, so outcome, events and head peaks are read off exactly
/// as for `--engine population`.
public struct SGDEngine: TrajectoryEngine {
    /// The sweep's base spec: its training parameters are the manifest's engine settings.
    public var base: RunSpec

    /// An engine whose manifest records the training parameters of `base`.
    public init(base: RunSpec) { self.base = base }

    /// `sgd`.
    public var name: String { "sgd" }

    /// `{name, batch, lr, steps, data, samples, sampler, rng, bn-epsilon, data-seed}` of the base (nil: derived per cell).
    public var settingsJSON: JSONValue { .object([("name", .string(name))] + base.trainingJSON) }

    /// The training spec of one cell (its own training parameters; the progress of a cell is not recorded).
    public func cellSpec(_ spec: RunSpec) -> TrainSpec {
        var t = TrainSpec()
        t.run = spec
        return t
    }

    /// `TrainSpec.problem()`'s start (validates the run and training options).
    public func prepare(_ spec: RunSpec) throws(ParameterError) -> ReducedState { try cellSpec(spec).problem().start }

    /// SGD for `round(t_end / lr)` steps (or `--steps`) on one thread per cell (cells run in
    /// parallel); a failed step is `trajectory.status`.
    public func solve(_ spec: RunSpec) throws(ParameterError) -> Trajectory {
        let t = cellSpec(spec)
        return SGDSolver(sampler: spec.sampler, generator: spec.rng, threads: 1).solve(try t.problem())
    }

    /// The run parameters plus the cell's training parameters, `lr-e`, step count and data seed.
    public func parameters(_ spec: RunSpec, start: ReducedState) -> JSONValue {
        let t = cellSpec(spec)
        guard case .object(let kv) = spec.json(start: start) else { return spec.json(start: start) }
        var fields = kv + spec.trainingJSON.filter { $0.0 != "steps" && $0.0 != "data-seed" }
        fields += [("lr-e", .number(t.lrE)), ("steps", .integer(t.stepCount)), ("data-seed", .string("\(t.effectiveDataSeed)"))]
        return .object(fields)
    }
}
