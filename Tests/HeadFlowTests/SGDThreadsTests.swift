import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import headflow

/// The batch is split over a fixed partition of chunks, each with its own stream: the output
/// is the same bits for any number of threads, under either generator.
@Suite("SGD threads and generators")
struct SGDThreadsTests {
    static func problem(batch: Int = 40, steps: Int = 8) -> TrainingProblem {
        let model = DataModel(dimension: 14, patches: 6, featurePatches: 2, alpha: [1.5, 1.0], noise: 1.0)
        let start = ReducedState(a: Matrix([[0.5, 0.2], [0.1, 0.4]]), r: Matrix([[0.6, 0.1], [0, 0.5]]), e: .identity(2))
        return TrainingProblem(model: model, head: .offdiag, start: start, lr: 0.1, lrE: 0.1, batch: batch, steps: steps,
                               dataSeed: 11, sampling: .logarithmic(points: 5))
    }

    static func states(_ t: Trajectory) -> [[Double]] { t.samples.map { $0.state.flat + $0.correlations + [$0.loss] } }

    @Test("1, 2 and 5 threads give identical trajectories (both samplers, both generators)",
          arguments: SGDSampler.allCases, SGDGenerator.allCases)
    func threadsDoNotChangeTheResult(sampler: SGDSampler, generator: SGDGenerator) {
        let p = Self.problem()
        let runs = [1, 2, 5].map { SGDSolver(sampler: sampler, generator: generator, threads: $0).solve(p) }
        #expect(runs.allSatisfy { $0.status == .success })
        #expect(Self.states(runs[0]) == Self.states(runs[1]) && Self.states(runs[0]) == Self.states(runs[2]))
        // The partition is fixed by N: a batch smaller than the chunk count still gives the same bits.
        let small = Self.problem(batch: 5)
        #expect(Self.states(SGDSolver(sampler: sampler, generator: generator, threads: 1).solve(small))
                == Self.states(SGDSolver(sampler: sampler, generator: generator, threads: 2).solve(small)))
    }

    @Test("the generator and the data seed change the stream; the same ones repeat it")
    func generatorAndSeed() {
        let p = Self.problem()
        let philox = SGDSolver(generator: .philox).solve(p), gsl = SGDSolver(generator: .gsl).solve(p)
        #expect(Self.states(philox) != Self.states(gsl))
        #expect(Self.states(philox) == Self.states(SGDSolver(generator: .philox).solve(p)))
        var q = p; q.dataSeed = 12
        #expect(Self.states(philox) != Self.states(SGDSolver(generator: .philox).solve(q)))
    }

    @Test("the fixed partition: at most 16 contiguous chunks covering the batch, independent of threads")
    func partition() {
        let model = DataModel(dimension: 14, patches: 6, featurePatches: 2)
        for n in [2, 5, 16, 17, 2048] {
            let chunks = SGDBatchLayout(model: model, batch: n, neurons: 2).chunks
            #expect(chunks.count == min(16, n))
            #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == n)
            #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
        }
    }

    @Test("train --threads 1 and --threads 2 print identical bytes; --rng is recorded")
    func cliThreads() throws {
        let args = ["train", "--preset", "sgd", "--steps", "40", "--batch", "256", "--quiet", "--format", "csv"]
        let one = try runHeadflow(args + ["--threads", "1"]), two = try runHeadflow(args + ["--threads", "2"])
        #expect(one.code == 0 && two.code == 0)
        #expect(one.out == two.out && !one.out.isEmpty)
        let gsl = try runHeadflow(args + ["--threads", "2", "--rng", "gsl"])
        #expect(gsl.code == 0 && gsl.out != one.out)
        let json = try runHeadflow(["train", "--preset", "sgd", "--steps", "3", "--rng", "gsl", "--quiet", "--format", "json"])
        #expect(json.out.contains("\"rng\": \"gsl\""))
        for (args, option) in [(["--rng", "mt"], "--rng"), (["--threads", "0"], "--threads")] {
            let r = try runHeadflow(["train", "--quiet"] + args)
            #expect(r.code == 64 && r.out.isEmpty && (r.err.hasPrefix("headflow: " + option + " must be") || r.err.contains("'\(option) <")) && r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
    }
}
