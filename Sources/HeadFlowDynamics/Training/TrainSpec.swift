import HeadFlowNumerics

/// One SGD run as `headflow train` names it: every parameter (`run`, a `RunSpec`,
/// whose training entries — `--batch`, `--lr`, `--steps`, `--data`, … — act in SGD
/// only) plus how it is executed and recorded (`--threads`, `--log-every`).
public struct TrainSpec: Equatable, Sendable {
    /// Every parameter of the run (the table `RunParameter.all`). `η_E/η` sets the head step.
    public var run = RunSpec()
    /// `--threads`: threads each step's batch is split over (nil: all cores); the output does not depend on it.
    public var threads: Int? = nil
    /// `--log-every`: record a sample every this many steps; nil = `--points` log-spaced times.
    public var logEvery: Int? = nil

    /// The defaults of `headflow train`.
    public init() {}

    /// The head step `lr_E = lr · η_E / η` (`η_E` when `η = 0`).
    public var lrE: Double { run.eta > 0 ? run.lr * run.etaE / run.eta : run.lr * run.etaE }

    /// The number of steps: `--steps`, or `round(t_end / lr)` (at least 1;
    /// `Int.max` when that is not a representable integer, which `problem()` rejects).
    public var stepCount: Int { run.steps ?? max(1, CheckedArithmetic.rounded(run.tEnd / run.lr) ?? .max) }

    /// The data seed actually used: `--data-seed`, or one derived from `--seed`
    /// (a fixed odd multiplier, so that seeds 1, 2, … give unrelated streams).
    public var effectiveDataSeed: UInt64 { run.dataSeed ?? (run.seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x5851_F42D) }

    /// Validates every parameter and builds the problem (the start is the one
    /// `headflow run` would use with the same options). Throws a `ParameterError`
    /// naming the first invalid one.
    public func problem() throws(ParameterError) -> TrainingProblem {
        try run.validate()
        guard !run.data.isImage else {
            throw ParameterError("data", must: "online or fixed for the synthetic samplers (images: TrainSpec.imageProblem)",
                                 got: run.data.rawValue)
        }
        try requireEncoderRate()
        let most = TrainingProblem.maximumSteps
        if run.steps == nil {
            try require(run.tEnd, "t-end", "a finite time ≥ lr = \(run.lr)", { $0 >= run.lr })
            // t_end / lr steps: blame --lr when t_end is the default, --t-end otherwise.
            if stepCount > most {
                if run.tEnd == RunSpec().tEnd && run.lr != RunSpec().lr {
                    throw ParameterError("lr", must: "≥ t_end / 10⁹ = \(NumberFormat.short(run.tEnd / Double(most))) (t_end / lr is the number of SGD steps, at most 10⁹; or give --steps)", got: "\(run.lr)")
                }
                throw ParameterError("t-end", must: "≤ 10⁹·lr = \(NumberFormat.short(Double(most) * run.lr)) (t_end / lr is the number of SGD steps, at most 10⁹; or give --steps)", got: "\(run.tEnd)")
            }
        }
        guard (run.lr * Double(stepCount)).isFinite else {
            throw ParameterError("lr", must: "small enough that the end time lr·steps is finite", got: "\(run.lr)")
        }
        guard lrE.isFinite else {
            throw ParameterError("eta", must: "large enough that the head step lr·η_E/η is finite", got: "\(run.eta)")
        }
        if let logEvery { try require(logEvery, "log-every", "an integer ≥ 1", { $0 >= 1 }) }
        if let threads { try require(threads, "threads", "an integer ≥ 1", { $0 >= 1 }) }
        let population = try run.problem(integrator: false)
        let p = TrainingProblem(model: population.field.model, start: population.start, lr: run.lr, lrE: lrE,
                                batch: run.batch, steps: stepCount, data: run.dataSupply, epsilon: run.bnEpsilon,
                                dataSeed: effectiveDataSeed, sampling: .logarithmic(points: run.points))
        try SGDSolver(sampler: run.sampler).validate(p)
        try MemoryBudget.machine.check(p.memoryEstimate(sampler: run.sampler, every: logEvery))
        return p
    }

    /// Throws unless `η > 0`: SGD's clock is `t = lr·step` in units of `1/η` with the head step `lr·η_E/η`, and
    /// `η = 0` has no such clock (in `run`, `η = 0` freezes the encoder; SGD has no frozen-encoder mode).
    func requireEncoderRate() throws(ParameterError) {
        try require(run.eta, "eta", "> 0 in SGD (train and sweep --engine sgd step the encoder by lr and the head by lr·η_E/η; "
                    + "η = 0, a frozen encoder, is a population-flow setting: headflow run --eta 0)", { $0 > 0 })
    }

    /// The solver this spec names (`threads` nil: all cores).
    public var solver: SGDSolver {
        SGDSolver(sampler: run.sampler, generator: run.rng, threads: threads ?? WorkerPool.coreCount)
    }
}
