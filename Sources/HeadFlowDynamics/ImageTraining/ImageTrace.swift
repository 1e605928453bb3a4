#if canImport(Glibc)
import Glibc
#endif
import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The first `K` SGD steps of an `ImageTrainingProblem`, exported for a reference implementation (issue 20,
/// point 6; `scripts/reference/jax_image.py --trace DIR` reads it): the start, every step's two views as the
/// network saw them, and the state after every step, as NumPy `.npy` files (float64, C order) and a
/// `meta.json` of every setting that defines the step.
///
/// Files written into `directory` (and nothing elsewhere), `k = 1 … K` zero-padded to `step_digits`
/// (`max(3, digits of K)`) digits:
/// - `w0.npy` `W(0)` (`d × m`, as the network holds it: rounded to float32 in float32 runs), `e0.npy` `E(0)`
///   (`m × m`), `mask.npy` the head's trainable mask (`m × m`, 1 trained, 0 frozen);
/// - `view1_k.npy`, `view2_k.npy`: the step's `X⁽¹⁾`, `X⁽²⁾` (`N·P × d`): patch `p` of the batch's image `i`
///   is row `i·P + p`, standardized `(x − μ)/s`; a patch the mask gave to the other view is a zero row
///   (`ImageNetwork.sampleBatch`, exactly the float64 values a float64 run multiplies);
/// - `w_k.npy`, `e_k.npy`: `W` and `E` after step `k` (and `wtg_k.npy`, `W_tg`, under an EMA target);
/// - `losses.npy`: `L̂` of each step (`K`), at the weights and head before it;
/// - `meta.json`, written last (an existing one is removed first, so a trace that failed has none).
///
/// The steps are `ImageTrainer`'s own (its `afterStep` hook), not a re-implementation: the exported `W_k` is
/// bit for bit the trainer's after `k` steps, for any `threads`.
public enum ImageTrace {
    /// Trains `problem` for its first `steps` SGD steps on `threads` threads and writes the trace into
    /// `directory` (created with its parents when missing; files of the same names are replaced; nothing is
    /// written outside it).
    ///
    /// - Returns: the steps written and their batch losses `L̂_1 … L̂_K`.
    /// - Throws: `ImageTraceError`: `.parameter` for an invalid problem, `steps` outside `1 … problem.steps`
    ///   or an unusable `directory` (`--trace-steps`, `--trace-dir`); `.training` when a step fails
    ///   (`ImageTrainingFailure`); `.file` when a file cannot be written.
    public static func write(_ problem: ImageTrainingProblem, steps: Int, threads: Int,
                             to directory: String) throws(ImageTraceError) -> ImageTraceSummary {
        do { try problem.validate() } catch { throw .parameter(error) }
        guard steps >= 1 && steps <= problem.steps else {
            throw .parameter(ParameterError("trace-steps", must: "an integer in 1…\(problem.steps) (the run's steps: "
                                            + "\(problem.stepsPerEpoch) per epoch × \(problem.epochs) epochs)", got: "\(steps)"))
        }
        do { try OutputPath.validate(directory, option: "trace-dir") } catch { throw .parameter(error) }
        let dir = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        do { try NPYWriter.makeDirectory(dir) } catch {
            throw .parameter(ParameterError("trace-dir", must: "a directory where files can be created (or a path where one can be made)",
                                            got: error.description))
        }
        let meta = dir + "/meta.json"
        if unlink(meta) != 0 && errno != ENOENT { throw .file(FileWriteError(meta, errno: errno)) }

        let digits = max(3, String(steps).count)
        func path(_ name: String, _ k: Int) -> String {
            let n = String(k)
            return "\(dir)/\(name)_\(String(repeating: "0", count: max(0, digits - n.count)))\(n).npy"
        }
        let start = problem.initialState()
        let mask = problem.head.trainableMask(neurons: problem.neurons)
        try file { () throws(FileWriteError) in
            try NPYWriter.write(rounded(start.weights, to: problem.precision), to: dir + "/w0.npy")
            try NPYWriter.write(start.head, to: dir + "/e0.npy")
            try NPYWriter.write(mask, to: dir + "/mask.npy")
        }

        var losses: [Double] = []
        var failure: FileWriteError?
        do throws(ImageTrainingFailure) {
            _ = try ImageTrainer(threads: threads).train(problem, afterStep: { s in
                losses.append(s.loss)
                let batch = s.network.sampleBatch(problem.images, indices: s.indices, visit: s.visit, seed: problem.seed)
                do throws(FileWriteError) {
                    try NPYWriter.write(batch.view1, to: path("view1", s.step))
                    try NPYWriter.write(batch.view2, to: path("view2", s.step))
                    try NPYWriter.write(s.weights, to: path("w", s.step))
                    try NPYWriter.write(s.head, to: path("e", s.step))
                    if let tg = s.targetWeights { try NPYWriter.write(tg, to: path("wtg", s.step)) }
                } catch {
                    failure = error
                    return false
                }
                return s.step < steps
            })
        } catch {
            throw .training(error)
        }
        if let failure { throw .file(failure) }
        try file { () throws(FileWriteError) in
            try NPYWriter.write(losses, shape: [losses.count], to: dir + "/losses.npy")
            try NPYWriter.writeFile(Array((metadata(problem, steps: steps, digits: digits, mask: mask).rendered(pretty: true) + "\n").utf8),
                                    to: meta)
        }
        return ImageTraceSummary(steps: losses.count, losses: losses)
    }

    /// `meta.json`: every setting the reference needs to repeat a step, named as the CLI names them where it can.
    static func metadata(_ problem: ImageTrainingProblem, steps: Int, digits: Int, mask: Matrix) -> JSONValue {
        let p = problem.patches, views = problem.views
        let seed: JSONValue = Int(exactly: problem.seed).map { .integer($0) } ?? .string(String(problem.seed))
        return .object([
            ("format", .string("headflow image trace")), ("version", .integer(1)),
            ("steps", .integer(steps)), ("step_digits", .integer(digits)),
            ("samples", .integer(problem.images.count)), ("steps_per_epoch", .integer(problem.stepsPerEpoch)),
            ("batch", .integer(problem.batch)), ("patches", .integer(p.count)), ("dimension", .integer(p.dimension)),
            ("neurons", .integer(problem.neurons)),
            ("image", .object([("height", .integer(p.height)), ("width", .integer(p.width)), ("channels", .integer(p.channels))])),
            ("patch", .integer(p.size)), ("patch_stride", .integer(p.stride)),
            ("activation", .string(problem.activation.rawValue)),
            ("lr", .number(problem.lr)), ("lr_e", .number(problem.lrE)), ("epsilon", .number(problem.epsilon)),
            ("head", .string(problem.head.rawValue)), ("spectral_head", .bool(problem.head.isSpectral)),
            ("trainable_mask", .matrix(mask)),
            ("target", .string(problem.target.rawValue)), ("ema_tau", .number(problem.emaTau)),
            ("ema_rate", problem.target == .ema ? .number(problem.lr / problem.emaTau) : .null),
            ("stop_grad", .string(problem.stopGradient.rawValue)),
            ("precision", .string(problem.precision.rawValue)), ("seed", seed), ("init_scale", .number(problem.initialScale)),
            ("mask_prob", .number(views.maskProbability)), ("shift", .integer(views.shift)), ("flip", .bool(views.flip)),
            ("pixel_noise", .number(views.noise)),
        ])
    }

    /// `w` as a network of `precision` holds it (each entry rounded to float32 for `.float32`).
    static func rounded(_ w: Matrix, to precision: ImagePrecision) -> Matrix {
        precision == .float64 ? w : Matrix(rows: w.rows, cols: w.cols, storage: w.storage.map { Double(Float($0)) })
    }

    /// Runs `body`, turning its `FileWriteError` into `.file`.
    private static func file(_ body: () throws(FileWriteError) -> Void) throws(ImageTraceError) {
        do { try body() } catch { throw .file(error) }
    }
}

/// What `ImageTrace.write` wrote: the steps and their batch losses.
public struct ImageTraceSummary: Sendable, Equatable {
    /// Steps traced `K`.
    public let steps: Int
    /// `L̂_k`, `k = 1 … K`: each step's batch loss at the weights and head before it (as in `losses.npy`).
    public let losses: [Double]
}

/// Why a trace was not written; the description is one line naming what failed.
public enum ImageTraceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An invalid parameter: the problem's own, `--trace-steps` or `--trace-dir` (the CLI's exit 64).
    case parameter(ParameterError)
    /// A training step failed (a degenerate batch, `W` or `E` not finite).
    case training(ImageTrainingFailure)
    /// A file or directory of the trace could not be written.
    case file(FileWriteError)

    /// One line: the parameter's, the training failure's or `trace: PATH: PROBLEM`.
    public var description: String {
        switch self {
        case .parameter(let e): return e.description
        case .training(let e): return "trace: " + e.description
        case .file(let e): return "trace: " + e.description
        }
    }
}
