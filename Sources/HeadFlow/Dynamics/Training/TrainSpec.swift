/// Every parameter of one SGD run, by the names the CLI uses (`headflow train
/// --NAME`): the data/model/start options of `run` (`run`, a `RunSpec`) plus
/// the training ones.
public struct TrainSpec: Equatable, Sendable {
    /// `--d`, `--patches`, …, `--head`, `--eta`, `--eta-e`, `--t-end`, `--seed`,
    /// `--init-*`, `--points`: as in `headflow run`. `η_E/η` sets the head step.
    public var run = RunSpec()
    /// `--batch`: batch size `N`.
    public var batch = 512
    /// `--lr`: encoder step `lr`; the head step is `lr · η_E/η`.
    public var lr = 1.0
    /// `--steps`: number of steps; nil = `round(t_end / lr)`.
    public var steps: Int? = nil
    /// `--data online|fixed` with `--samples`: fresh batches, or a fixed data set.
    public var data: DataSupply = .online
    /// `--sampler`: `full` (forms `W` and the patches) or `projected` (`[A; R]`, cost independent of `d`).
    public var sampler: SGDSampler = .full
    /// `--rng`: the generator of the data stream (`philox` by default, or GSL's `gsl`).
    public var generator: SGDGenerator = .philox
    /// `--threads`: threads each step's batch is split over (nil: all cores); the output does not depend on it.
    public var threads: Int? = nil
    /// `--bn-epsilon`: BN `ε` (default 0 **(choice)**).
    public var epsilon = 0.0
    /// `--data-seed`: seed of the batches; nil = derived from `--seed`.
    public var dataSeed: UInt64? = nil
    /// `--log-every`: record a sample every this many steps; nil = `--points` log-spaced times.
    public var logEvery: Int? = nil

    /// The defaults of `headflow train`.
    public init() {}

    /// The head step `lr_E = lr · η_E / η` (`η_E` when `η = 0`).
    public var lrE: Double { run.eta > 0 ? lr * run.etaE / run.eta : lr * run.etaE }

    /// The number of steps: `--steps`, or `round(t_end / lr)` (at least 1;
    /// `Int.max` when that is not a representable integer, which `problem()` rejects).
    public var stepCount: Int { steps ?? max(1, CheckedArithmetic.rounded(run.tEnd / lr) ?? .max) }

    /// The data seed actually used: `--data-seed`, or one derived from `--seed`
    /// (a fixed odd multiplier, so that seeds 1, 2, … give unrelated streams).
    public var effectiveDataSeed: UInt64 { dataSeed ?? (run.seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x5851_F42D) }

    /// Validates every parameter and builds the problem (the start is the one
    /// `headflow run` would use with the same options). Throws a `ParameterError`
    /// naming the first invalid one.
    public func problem() throws(ParameterError) -> TrainingProblem {
        try require(lr, "lr", "a finite step > 0", { $0 > 0 })
        try require(run.eta, "eta", "a finite η ≥ 0", { $0 >= 0 })
        try require(run.etaE, "eta-e", "a finite η_E ≥ 0", { $0 >= 0 })
        let most = TrainingProblem.maximumSteps
        if let steps { try require(steps, "steps", "an integer in 1…10⁹", { $0 >= 1 && $0 <= most }) }
        else {
            try require(run.tEnd, "t-end", "a finite time ≥ lr = \(lr)", { $0 >= lr })
            // t_end / lr steps: blame --lr when t_end is the default, --t-end otherwise.
            if stepCount > most {
                if run.tEnd == RunSpec().tEnd && lr != TrainSpec().lr {
                    throw ParameterError("lr", must: "≥ t_end / 10⁹ = \(NumberFormat.short(run.tEnd / Double(most))) (t_end / lr is the number of SGD steps, at most 10⁹; or give --steps)", got: "\(lr)")
                }
                throw ParameterError("t-end", must: "≤ 10⁹·lr = \(NumberFormat.short(Double(most) * lr)) (t_end / lr is the number of SGD steps, at most 10⁹; or give --steps)", got: "\(run.tEnd)")
            }
        }
        guard (lr * Double(stepCount)).isFinite else {
            throw ParameterError("lr", must: "small enough that the end time lr·steps is finite", got: "\(lr)")
        }
        guard lrE.isFinite else {
            throw ParameterError("eta", must: "0 or large enough that the head step lr·η_E/η is finite", got: "\(run.eta)")
        }
        if let logEvery { try require(logEvery, "log-every", "an integer ≥ 1", { $0 >= 1 }) }
        if let threads { try require(threads, "threads", "an integer ≥ 1", { $0 >= 1 }) }
        let population = try run.problem(integrator: false)
        var p = TrainingProblem(model: population.model, head: run.head, start: population.start, lr: lr, lrE: lrE,
                                batch: batch, steps: stepCount, data: data, epsilon: epsilon,
                                dataSeed: effectiveDataSeed, sampling: .logarithmic(points: run.points))
        let field = population.field
        p.target = field.target; p.emaTau = field.emaTau; p.stopGradient = field.stopGradient
        p.spectralHead = field.spectralHead; p.dpRho = run.dpRho
        try SGDSolver(sampler: sampler).validate(p)
        try MemoryBudget.machine.check(p.memoryEstimate(sampler: sampler, every: logEvery))
        return p
    }

    /// The solver this spec names (`threads` nil: all cores).
    public var solver: SGDSolver {
        SGDSolver(sampler: sampler, generator: generator, threads: threads ?? WorkerPool.coreCount)
    }
}
