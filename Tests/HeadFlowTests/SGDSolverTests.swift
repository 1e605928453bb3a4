import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel
@testable import HeadFlowDynamics
@testable import HeadFlowReport
@testable import headflow

/// SGD as a solver: failures name the step, bad input names the option, reports read like `run`.
@Suite("SGD solver, errors, report and preset")
struct SGDSolverTests {
    static func problem(sampler: SGDSampler = .full, data: DataSupply = .online, lr: Double = 0.1, steps: Int = 5,
                        a: Matrix = Matrix([[0.5, 0.2], [0.1, 0.4]]), r: Matrix = Matrix([[0.6, 0.1], [0, 0.5]]),
                        head: HeadKind = .offdiag) -> TrainingProblem {
        let model = DataModel(dimension: 12, patches: 6, featurePatches: 2, alpha: [1.5, 1.0], noise: 1.0)
        return TrainingProblem(model: model, head: head, start: ReducedState(a: a, r: r, e: .identity(2)), lr: lr,
                               lrE: lr, batch: 16, steps: steps, data: data, dataSeed: 3)
    }

    /// A neuron that is identically zero gives `f_2 ≡ 0`: BN cannot normalize it, and the run stops at step 1.
    @Test("a degenerate batch stops the run with an error naming the step", arguments: SGDSampler.allCases)
    func degenerateBatchNamesTheStep(sampler: SGDSampler) {
        let p = Self.problem(sampler: sampler, a: Matrix([[0.5, 0], [0.1, 0]]), r: Matrix([[0.6, 0], [0, 0]]), head: .none)
        let t = SGDSolver(sampler: sampler).solve(p)
        guard case .failed(let failure) = t.status, case .trainingStep(let time, let step, let reason) = failure else {
            Issue.record("expected a training failure, got \(t.status)"); return
        }
        #expect(step == 1 && time == 0)
        #expect(reason.contains("zero variance") && reason.contains("F_2"))
        #expect("\(failure)".hasPrefix("training failed at step 1 (t = 0.0)"))
        #expect(t.samples.count == 1)
    }

    /// An absurd step overflows the state: the failure names the step, never a silent NaN.
    @Test("a non-finite state stops the run with an error naming the step", arguments: SGDSampler.allCases)
    func nonFiniteNamesTheStep(sampler: SGDSampler) {
        let t = SGDSolver(sampler: sampler).solve(Self.problem(sampler: sampler, lr: 1e305))
        guard case .failed(.trainingStep(_, let step, let reason)) = t.status else {
            Issue.record("expected a training failure, got \(t.status)"); return
        }
        #expect(step >= 1 && step <= 5)
        #expect(reason.contains("non-finite") || reason.contains("not finite") || reason.contains("zero variance"), "\(reason)")
    }

    @Test("invalid problems are refused, naming the option")
    func validation() {
        func parameter(_ p: TrainingProblem, _ s: SGDSampler = .full) -> String? {
            do { try SGDSolver(sampler: s).validate(p); return nil } catch { return error.parameter }
        }
        #expect(parameter(Self.problem()) == nil)
        #expect(parameter(Self.problem(data: .fixed(samples: 64)), .projected) == "sampler")
        #expect(parameter(Self.problem(data: .fixed(samples: 4))) == "samples")
        #expect(parameter(Self.problem(lr: 0)) == "lr")
        #expect(parameter(Self.problem(lr: .nan)) == "lr")
        #expect(parameter(Self.problem(steps: 0)) == "steps")
        var p = Self.problem(); p.batch = 1
        #expect(parameter(p) == "batch")
        p = Self.problem(); p.model.data.dimension = 3
        #expect(parameter(p) == "d")
        p = Self.problem(); p.epsilon = -1
        #expect(parameter(p) == "bn-epsilon")
    }

    /// A fixed data set is replayed deterministically, epoch after epoch, with fresh masks.
    @Test("fixed data: deterministic, finite, several epochs")
    func fixedData() {
        let p = Self.problem(data: .fixed(samples: 40), steps: 12)
        let x = SGDSolver(sampler: .full).solve(p), y = SGDSolver(sampler: .full).solve(p)
        #expect(x.status == .success && x.final.a == y.final.a && x.final.b == y.final.b)
        #expect(x.final.a != Self.problem().start.a)
    }

    /// Event times are step times: a learn event at `t` means the state after step `t/lr` satisfies it.
    @Test("events are recorded at step times, and the JSON has run's keys plus norms")
    func eventsAndReport() throws {
        var spec = TrainSpec()
        spec.run.d = 12; spec.run.patches = 6; spec.run.featurePatches = 2; spec.run.tEnd = 20
        spec.run.initA = Matrix([[0.9, 0.1], [0.05, 0.2]]); spec.run.initB = Matrix([[0.2, 0], [0, 0.5]])
        spec.run.batch = 64; spec.run.lr = 0.1; spec.run.sampler = .projected
        let p = try spec.problem()
        let t = spec.solver.solve(p)
        #expect(t.status == .success)
        let learn = try #require(t.time(of: "learn_w1_v1"))
        #expect(abs(learn / 0.1 - (learn / 0.1).rounded()) < 1e-9)
        guard case .object(let kv) = TrainReport(spec: spec, problem: p, trajectory: t).json else { Issue.record("not an object"); return }
        #expect(kv.map(\.0) == ["parameters", "trajectory", "events", "peak_offdiag", "final", "solver", "norms"])
    }

    /// The preset's population claims: with the paper's head the flow ends diverse, without a head collapsed.
    @Test("preset sgd: the population flow ends diverse with offdiag and collapsed with none")
    func presetPopulationClaims() throws {
        for (head, expected) in [(HeadKind.offdiag, Outcome.diverse), (.none, .collapse)] {
            var run = TrainPreset.sgd.spec.run
            run.head = head
            let t = try run.problem().solve(with: run.settings)
            #expect(t.status == .success)
            #expect(t.outcome == expected, "head \(head.rawValue): \(t.outcome)")
            #expect(t.time(of: "learn_w1_v1") != nil)
        }
    }

    // MARK: - CLI

    @Test("train: bad options exit 64 with one line naming the option")
    func cliValidation() throws {
        for (args, option) in [(["--batch", "1"], "--batch"), (["--lr=-1"], "--lr"), (["--sampler", "fast"], "--sampler"),
                               (["--data", "fixed"], "--samples"), (["--data", "fixed", "--samples", "600", "--sampler", "projected"], "--sampler"),
                               (["--preset", "nope"], "--preset"), (["--d", "3"], "--d")] {
            do {
                let command = try TrainCommand.parse(args + ["--quiet"])
                try command.run()
                Issue.record("\(args) ran")
            } catch {
                // Our own checks say "--x must be …"; a named choice is rejected by the parser, naming the
                // option and listing its values.
                let text = TrainCommand.message(for: error)
                #expect(TrainCommand.exitCode(for: error).rawValue == 64, "\(args)")
                #expect(text.hasPrefix(option + " must be") || text.contains("'\(option) <"), "\(args): \(text)")
                #expect(!text.contains("\n"))
            }
        }
    }

    @Test("train --preset sgd: explicit options override the preset, the rest comes from it")
    func presetMerge() throws {
        let spec = try TrainOptions.parse(["--preset", "sgd", "--head", "none", "--batch", "64"]).spec()
        #expect(spec.run.head == .none && spec.run.batch == 64)
        #expect(spec.run.d == 50 && spec.run.noise == 0.7 && spec.run.lr == 0.03 && spec.run.sampler == .projected)
        #expect(spec.run.initA == TrainPreset.sgd.spec.run.initA)
    }
}
