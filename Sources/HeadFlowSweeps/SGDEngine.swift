import HeadFlowNumerics
import HeadFlowModel
import HeadFlowDynamics

/// Mini-batch SGD (`headflow train`) as a sweep engine: the training
/// options (`batch`, `lr`, `steps`, data, sampler, BN `ε`, data seed) are fixed
/// for the sweep, and each cell's `RunSpec` replaces `training.run`. The solver
/// returns the same `Trajectory` as the population flow, so outcome, events and
/// head peaks are read off exactly as for `--engine population`.
public struct SGDEngine: SweepEngine {
    /// The training options; `training.run` is replaced by each cell's spec.
    public var training: TrainSpec

    /// An engine with these training options.
    public init(training: TrainSpec) { self.training = training }

    /// `sgd`.
    public var name: String { "sgd" }

    /// `{name, batch, lr, steps, data, samples, sampler, rng, bn-epsilon, data-seed}` (nil: derived per cell).
    public var settingsJSON: JSONValue {
        var samples: JSONValue = .null
        if case .fixed(let n) = training.data { samples = .integer(n) }
        return .object([
            ("name", .string(name)), ("batch", .integer(training.batch)), ("lr", .number(training.lr)),
            ("steps", training.steps.map { .integer($0) } ?? .null),
            ("data", .string(training.data == .online ? "online" : "fixed")), ("samples", samples),
            ("sampler", .string(training.sampler.rawValue)), ("rng", .string(training.generator.rawValue)),
            ("bn-epsilon", .number(training.epsilon)),
            ("data-seed", training.dataSeed.map { .string("\($0)") } ?? .null),
        ])
    }

    /// The training spec of one cell.
    public func cellSpec(_ spec: RunSpec) -> TrainSpec {
        var t = training
        t.run = spec
        t.logEvery = nil
        return t
    }

    /// `TrainSpec.problem()`'s start (validates the run and training options).
    public func prepare(_ spec: RunSpec) throws(ParameterError) -> ReducedState { try cellSpec(spec).problem().start }

    /// SGD for `round(t_end / lr)` steps (or `--steps`) on one thread per cell (cells run in
    /// parallel); a failed step is `trajectory.status`.
    public func solve(_ spec: RunSpec) throws(ParameterError) -> Trajectory {
        let t = cellSpec(spec)
        return SGDSolver(sampler: t.sampler, generator: t.generator, threads: 1).solve(try t.problem())
    }

    /// The run parameters plus the cell's `lr-e`, step count and data seed.
    public func parameters(_ spec: RunSpec, start: ReducedState) -> JSONValue {
        let t = cellSpec(spec)
        guard case .object(let kv) = spec.json(start: start), case .object(let extra) = settingsJSON else { return spec.json(start: start) }
        var fields = kv + extra.filter { $0.0 != "name" && $0.0 != "steps" && $0.0 != "data-seed" }
        fields += [("lr-e", .number(t.lrE)), ("steps", .integer(t.stepCount)), ("data-seed", .string("\(t.effectiveDataSeed)"))]
        return .object(fields)
    }
}
