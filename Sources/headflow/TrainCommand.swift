import ArgumentParser
import Foundation
import HeadFlow

/// `headflow train`: SGD on the mini-batch loss, reported like `run`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train by SGD on the mini-batch BN loss (every head, target and stop-gradient rule) and report it like `run`.",
        discussion: """
        Same data/model options as `run`; time is t = lr·step and the head step is lr·η_E/η. Samples record \
        the SGD state (A = VᵀW, B = WᵀΠW, E) with the population ρ and loss at it; events are the first step \
        time their condition holds. Ranks: erank_f, rankme_f, erank_F, rankme_F are population values at the SGD \
        state; the *_batch ones are estimated from the step's batch of view-1 outputs. JSON keys: those of `run` plus \
        norms. A progress bar with rate and time left goes to stderr once a run takes over a second (--progress-after; --quiet: none); \
        the wall-clock time never enters the result, so the same seed gives the same bytes. \
        A degenerate batch (zero BN variance) or a non-finite loss stops with an error naming the step (exit 1).
        """)

    @OptionGroup var options: TrainOptions
    @Option(name: .customLong("progress-after"), parsing: .unconditional,
            help: ArgumentHelp("Seconds before the progress bar appears (≥ 0; 0: at once).", valueName: "seconds"))
    var progressAfter: Double = 1
    @Option(name: .customLong("trace-dir"), parsing: .unconditional, help: ArgumentHelp(
        "Export the first --trace-steps steps for a reference implementation instead of training the run: W(0), E(0), the "
            + "trainable mask, each step's two views, W and E after each step, the losses (.npy) and meta.json, into DIR "
            + "(scripts/reference/image-check) [image data only].", valueName: "DIR"))
    var traceDir: String?
    @Option(name: .customLong("trace-steps"), parsing: .unconditional, help: ArgumentHelp("Steps --trace-dir exports (default 5).", valueName: "K"))
    var traceSteps: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Baselines of an image run: all (the raw pixels and the untrained network) or "
                                                      + "untrained (skips the raw-pixel probes, the slow part) [image data only].", valueName: "which"))
    var baselines: String?
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .json, .csv]), completion: OutputFormat.completion([.table, .json, .csv]))
    var format: String = "table"

    func run() throws {
        let spec: TrainSpec, problem: TrainingProblem, fmt: OutputFormat
        do throws(ParameterError) {
            fmt = try OutputFormat.parse(format, allowed: [.table, .json, .csv])
            spec = try options.spec()
            guard progressAfter.isFinite, progressAfter >= 0, progressAfter <= 1e9 else {
                throw ParameterError("progress-after", must: "a number of seconds in [0, 1e9]", got: "\(progressAfter)")
            }
            if baselines != nil, !spec.run.data.isImage {
                throw ParameterError("baselines", actsOnly: "with image data (--data fashion-mnist or files)")
            }
            if traceDir != nil, !spec.run.data.isImage {
                throw ParameterError("trace-dir", actsOnly: "with image data (--data fashion-mnist or files)")
            }
            if traceSteps != nil, traceDir == nil { throw ParameterError("trace-steps", actsOnly: "with --trace-dir") }
            if traceDir != nil, baselines != nil { throw ParameterError("baselines", actsOnly: "without --trace-dir (a trace evaluates nothing)") }
            if let baselines, !["all", "untrained"].contains(baselines) {
                throw ParameterError("baselines", must: "all or untrained", got: baselines)
            }
        } catch { throw error.validation }
        if let traceDir { return try traceImages(spec, to: traceDir, steps: traceSteps ?? 5, format: fmt) }
        if spec.run.data.isImage { return try trainImages(spec, format: fmt, rawPixels: baselines != "untrained") }
        do throws(ParameterError) { problem = try spec.problem() } catch { throw error.validation }
        let bar = ProgressBar("train", unit: "steps", total: problem.steps, enabled: !options.quiet,
                              after: .milliseconds(Int64((progressAfter * 1000).rounded())), redraw: .milliseconds(100))
        let trajectory = spec.solver.solve(problem, every: spec.logEvery) { n, _, t, loss in
            bar.advance(to: n, note: "t = \(NumberFormat.short(t))  batch loss \(NumberFormat.short(loss))")
        }
        bar.finish()
        if case .failed(let failure) = trajectory.status {
            printError("headflow: \(failure.withHint)")
            throw ExitCode.failure
        }
        // No wall-clock time in the result (the progress bar on stderr shows it): same seed, same bytes.
        let report = TrainReport(spec: spec, problem: problem, trajectory: trajectory)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .csv: print(report.csv, terminator: "")
        default: print(report.table(), terminator: "")
        }
    }
}
