import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// Solves a `TrainingProblem` by SGD with the chosen sampler, recording the same
/// `Trajectory` as `PopulationSolver`: samples of `(A, R, E)` at the problem's
/// times (`t = lr · step`, rounded to the nearest step), the events of
/// `EventMonitor` checked after every step (an event's time is the first step
/// time at which its condition holds — no bisection), and the head peaks.
///
/// A sample's `correlations` and `loss` are the *population* `ρ_j` and `L` at
/// the SGD state (the batch loss is a noisy estimate of it), so that SGD and
/// flow trajectories read the same.
public struct SGDSolver: Sendable {
    /// How each step's batch and gradient are formed.
    public var sampler: SGDSampler
    /// The generator of the data stream (Philox4x32-10 by default).
    public var generator: SGDGenerator
    /// Threads a step's batch is split over (≥ 1); the output does not depend on it.
    public var threads: Int
    /// Largest `N (P − s)(d − k)` the full sampler may store (numbers per batch buffer).
    public var maxFullBuffer: Double

    /// A solver using `sampler` (the `projected` one by default: cost independent of `d`),
    /// `generator`, and up to `threads` threads per step.
    public init(sampler: SGDSampler = .projected, generator: SGDGenerator = .philox, threads: Int = 1,
                maxFullBuffer: Double = 4e8) {
        self.sampler = sampler
        self.generator = generator
        self.threads = max(1, threads)
        self.maxFullBuffer = maxFullBuffer
    }

    /// Progress after a step: step number, total steps, time `t`, batch loss `L̂`.
    public typealias Progress = (_ step: Int, _ steps: Int, _ time: Double, _ batchLoss: Double) -> Void

    /// Throws a `ParameterError` when `problem` is invalid or this sampler cannot
    /// run it (`projected` needs online data; `full` a batch buffer that fits).
    public func validate(_ problem: TrainingProblem) throws(ParameterError) {
        try problem.validate()
        let model = problem.model.data
        switch sampler {
        case .projected:
            guard problem.data == .online else {
                throw ParameterError("sampler", must: "full with --data fixed (the projected sampler draws fresh noise every step)", got: "projected")
            }
            let k = model.featureCount, m = problem.neurons
            if problem.model.target == .ema, model.dimension < k + 2 * m {
                throw ParameterError("d", must: "an integer ≥ k + 2m = \(k + 2 * m) for --target ema with the projected sampler (W and W_tg need 2m noise directions; use --sampler full)", got: "\(model.dimension)")
            }
        case .full:
            let numbers = Double(problem.batch) * Double(model.patches - model.featurePatches) * Double(model.dimension - model.featureCount)
            guard numbers <= maxFullBuffer else {
                throw ParameterError("sampler", must: "projected for N·(P−s)·(d−k) = \(numbers) > \(maxFullBuffer) (the full sampler stores every noise patch)", got: "full")
            }
        }
    }

    /// Runs `problem.steps` steps. Never throws: a degenerate batch (zero BN
    /// variance) or a non-finite loss or state ends the run with
    /// `status = .failed(.trainingStep(time:step:reason:))`, naming the step, and
    /// the samples recorded before it. Call `validate(_:)` first for input you did not build.
    public func solve(_ problem: TrainingProblem, every interval: Int? = nil, progress: Progress? = nil) -> Trajectory {
        let k = problem.model.data.featureCount, m = problem.neurons
        let stepper: SGDStepper
        switch sampler {
        case .full: stepper = SGDFullSampler(problem: problem, generator: generator, threads: threads)
        case .projected where problem.model.hasNeighbours:
            stepper = SGDProjectedNeighbourSampler(problem: problem, generator: generator, threads: threads)
        case .projected: stepper = SGDProjectedSampler(problem: problem, generator: generator, threads: threads)
        }
        let objective = PopulationObjective(model: problem.model.data, neurons: m)
        objective.stopGradient = problem.model.stopGradient == .on
        let recordAt = Self.recordingSteps(problem, every: interval)
        var monitor = EventMonitor(features: k, neurons: m)
        var samples: [TrajectorySample] = []
        var status = SolveStatus.success
        var taken = 0

        func record(_ step: Int, _ state: ReducedState) {
            let ev = objective.evaluate(online: state, target: stepper.targetState())
            var sample = TrajectorySample(time: problem.lr * Double(step), state: state, correlations: ev.correlations, loss: ev.loss)
            sample.rankSGD(model: problem.model.data, batch: step == 0 ? nil : stepper.lastBatch)
            samples.append(sample)
        }

        var state = problem.start
        do throws(IntegrationFailure) {
            try monitor.start(state.flat, time: 0)
            record(0, state)
            var next = recordAt.startIndex + 1
            for n in 1...problem.steps {
                let batchLoss: Double
                do { batchLoss = try stepper.step() } catch {
                    throw .trainingStep(time: problem.lr * Double(n - 1), step: n, reason: error.reason)
                }
                taken = n
                state = stepper.reducedState()
                guard state.r.isFinite else {
                    throw .trainingStep(time: problem.lr * Double(n), step: n, reason: "B = WᵀΠW became non-finite or indefinite; try a smaller --lr")
                }
                monitor.observe(state.flat, time: problem.lr * Double(n))
                if next < recordAt.endIndex, recordAt[next] == n { record(n, state); next += 1 }
                progress?(n, problem.steps, problem.lr * Double(n), batchLoss)
            }
        } catch {
            status = .failed(error)
        }
        return Trajectory(samples: samples, events: monitor.records, peaks: monitor.peaks, status: status,
                          steps: taken, evaluations: taken)
    }

    /// The steps at which samples are recorded: 0, the problem's times converted
    /// to steps (`round(t / lr)`), or every `interval` steps, and the last step.
    static func recordingSteps(_ problem: TrainingProblem, every interval: Int?) -> [Int] {
        var steps: [Int]
        if let interval, interval >= 1 {
            steps = Array(stride(from: 0, through: problem.steps, by: interval))
        } else {
            steps = problem.sampling.times(tEnd: problem.tEnd).map { CheckedArithmetic.rounded($0 / problem.lr) ?? problem.steps }
        }
        steps.append(problem.steps)
        return Array(Set(steps.map { min(max($0, 0), problem.steps) })).sorted()
    }
}

extension TrainingProblem {
    /// Solves by SGD with `sampler` and `generator` (see `SGDSolver`).
    public func solve(sampler: SGDSampler = .projected, generator: SGDGenerator = .philox) -> Trajectory {
        SGDSolver(sampler: sampler, generator: generator).solve(self)
    }
}

extension TrajectorySample {
    /// Sets the ranks of an SGD sample: the population `erank`, RankMe of `f` and
    /// `F = E f` at the state (`RepresentationRank.ofOutputs`), and their batch
    /// estimates from the last step's view-1 outputs `f⁽¹⁾` and `F = f⁽¹⁾Eᵀ` (the
    /// batch drawn at the state before that step's update; NaN at step 0).
    mutating func rankSGD(model: DataModel, batch: (outputs: Matrix, head: Matrix)?) {
        let ranks = RepresentationRank.ofOutputs(model: model, state: state)
        outputRank = ranks.f; headRank = ranks.headed
        if let batch {
            batchOutputRank = RepresentationRank(batchOutputs: batch.outputs)
            batchHeadRank = RepresentationRank(batchOutputs: batch.outputs * batch.head.transposed)
        } else {
            batchOutputRank = .undefined; batchHeadRank = .undefined
        }
    }
}
