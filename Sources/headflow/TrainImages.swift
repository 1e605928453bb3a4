import ArgumentParser
import Foundation
import HeadFlow

extension TrainCommand {
    /// `train --data fashion-mnist|files`: loads the images (a bad file: one line naming it, exit 64), builds the
    /// image problem, measures the baselines, trains with an evaluation every `--eval-every` epochs and after the
    /// last, and prints the report. A failed step prints the epoch and step reached (exit 1).
    func trainImages(_ spec: TrainSpec, format fmt: OutputFormat, rawPixels measureRawPixels: Bool) throws {
        let data = try spec.run.imageSource!.load()
        let problem: ImageTrainingProblem
        do throws(ParameterError) { problem = try spec.imageProblem(data: data) } catch { throw error.validation }
        let threads = spec.threads ?? WorkerPool.coreCount
        let evaluator = ImageEvaluator(train: problem.images, test: data.test, threads: threads)
        let bar = ProgressBar("train", unit: "steps", total: problem.steps, enabled: !options.quiet,
                              after: .milliseconds(Int64((progressAfter * 1000).rounded())), redraw: .milliseconds(100))
        bar.advance(to: 0, note: measureRawPixels ? "baselines: the untrained network and the raw pixels" : "baseline: the untrained network")
        let untrained: ImageEvaluation
        do throws(ParameterError) { untrained = try evaluator.untrained(problem, threads: threads) } catch { throw error.validation }
        let rawPixels = measureRawPixels ? evaluator.rawPixels() : nil
        var evaluations: [ImageEvaluation] = []
        let result: ImageTrainingResult
        do {
            result = try ImageTrainer(threads: threads, evalEvery: spec.run.evalEvery).train(problem, progress: { step, _, loss in
                bar.advance(to: step, note: "batch loss \(NumberFormat.short(loss))")
            }, hook: { snapshot in
                bar.advance(to: snapshot.epoch * problem.stepsPerEpoch, note: "evaluating epoch \(snapshot.epoch)")
                evaluations.append(evaluator.evaluate(snapshot))
            })
        } catch {
            bar.finish()
            printError("headflow: \(error); try a smaller --lr")
            throw ExitCode.failure
        }
        bar.finish()
        // No wall-clock time in the result (the progress bar on stderr shows it): same seed, same bytes.
        let report = ImageTrainReport(spec: spec, problem: problem, files: data.files, testCount: data.test.count,
                                      standardization: result.standardization, evaluations: evaluations, rawPixels: rawPixels,
                                      untrained: untrained, losses: result.losses, finalHead: result.head)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .csv: print(report.csv, terminator: "")
        default: print(report.table(), terminator: "")
        }
    }

    /// `train --trace-dir DIR`: the first `steps` steps exported for a reference implementation (`ImageTrace`),
    /// then a summary: the directory, the steps and their batch losses. Bad input exits 64, a failed step 1.
    func traceImages(_ spec: TrainSpec, to directory: String, steps: Int, format fmt: OutputFormat) throws {
        let data = try spec.run.imageSource!.load()
        let problem: ImageTrainingProblem
        do throws(ParameterError) { problem = try spec.imageProblem(data: data) } catch { throw error.validation }
        let summary: ImageTraceSummary
        do {
            summary = try ImageTrace.write(problem, steps: steps, threads: spec.threads ?? WorkerPool.coreCount, to: directory)
        } catch {
            if case .parameter(let p) = error { throw p.validation }
            printError("headflow: \(error)")
            throw ExitCode.failure
        }
        let json = JSONValue.object([("trace_dir", .string(directory)), ("steps", .integer(summary.steps)),
                                     ("losses", .numbers(summary.losses)),
                                     ("parameters", .object(spec.run.imageJSON(problem: problem) + [("lr-e", .number(problem.lrE))]))])
        switch fmt {
        case .json: print(json.rendered(pretty: true))
        case .csv: print("step,loss\n" + summary.losses.enumerated().map { "\($0.offset + 1),\($0.element)" }.joined(separator: "\n"))
        default:
            print("headflow train — trace of the first \(summary.steps) steps written to \(directory) (check: scripts/reference/image-check)")
            for (k, loss) in summary.losses.enumerated() { print("step \(k + 1): batch loss \(loss)") }
        }
    }
}
