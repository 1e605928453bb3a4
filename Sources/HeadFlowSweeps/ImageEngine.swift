import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel
import HeadFlowDynamics

/// SGD of the paper's network on real images (`sweep --engine sgd --data fashion-mnist|files`) as a sweep
/// engine: each cell trains `ImageTrainer` on one thread (cells run in parallel) and is evaluated as
/// `headflow train` evaluates (every `--eval-every` epochs and after the last; no baselines). The cell's final
/// metrics are the last evaluation's (`linear_probe`, `knn`, `erank`, `rankme`, `max_neuron_cos`,
/// `head_offdiag_max`, `head_deviation`, `final_loss`); its record keeps every evaluation. The manifest records
/// the base's training and image parameters and the data files' SHA-256, so a resumed or merged sweep used
/// the same images.
public struct ImageEngine: SweepEngine {
    /// The sweep's base spec.
    public var base: RunSpec
    /// The images (nil when only checking a manifest read from a file: cells then cannot run).
    public let data: ImageData?
    /// The data files with their SHA-256 (`data.files`, or as a manifest recorded them).
    public let files: [ImageFileRecord]

    /// An engine training on `data`, recording the parameters of `base`.
    public init(base: RunSpec, data: ImageData) {
        self.base = base; self.data = data; files = data.files
    }

    /// An engine that checks specs and manifests only (no images loaded), for files recorded as `files`.
    public init(base: RunSpec, files: [ImageFileRecord]) {
        self.base = base; data = nil; self.files = files
    }

    /// `sgd` (the same engine as synthetic SGD, on another data source).
    public var name: String { "sgd" }

    /// `{name, batch, lr, …, data-seed, patch, …, test-labels, files}` of the base.
    public var settingsJSON: JSONValue {
        .object([("name", .string(name))] + base.trainingJSON + base.imageSettingsJSON + [("files", Self.filesJSON(files))])
    }

    /// The files as the manifest records them.
    public static func filesJSON(_ files: [ImageFileRecord]) -> JSONValue {
        .array(files.map { .object([("role", .string($0.role)), ("path", .string($0.path)), ("sha256", .string($0.sha256))]) })
    }

    /// Reads back `filesJSON`; nil when malformed.
    public static func files(json: JSONValue?) -> [ImageFileRecord]? {
        guard let list = json?.arrayValue else { return nil }
        var out: [ImageFileRecord] = []
        for f in list {
            guard let role = f["role"]?.stringValue, let path = f["path"]?.stringValue, let sha = f["sha256"]?.stringValue else { return nil }
            out.append(ImageFileRecord(role: role, path: path, sha256: sha))
        }
        return out
    }

    /// The image problem of `spec` (with images loaded), or the spec's own checks (without).
    public func validate(_ spec: RunSpec) throws(ParameterError) {
        var t = TrainSpec()
        t.run = spec
        if let data { _ = try t.imageProblem(data: data) } else { try spec.validate() }
    }

    /// Trains and evaluates one cell; a rejected spec or a failed step is recorded as failed.
    public func run(_ cell: SweepCell) -> CellResult {
        var t = TrainSpec()
        t.run = cell.spec
        guard let data else {
            return CellResult(index: cell.index, values: cell.values, parameters: cell.spec.json, rejected: "no images loaded")
        }
        let problem: ImageTrainingProblem
        do { problem = try t.imageProblem(data: data) } catch {
            return CellResult(index: cell.index, values: cell.values, parameters: cell.spec.json, rejected: error.description)
        }
        let parameters = JSONValue.object(cell.spec.imageJSON(problem: problem) + [("lr-e", .number(problem.lrE)), ("steps", .integer(problem.steps))])
        let evaluator = ImageEvaluator(train: problem.images, test: data.test, threads: 1)
        var evaluations: [ImageEvaluation] = []
        do throws(ImageTrainingFailure) {
            let result = try ImageTrainer(threads: 1, evalEvery: cell.spec.evalEvery).train(problem, hook: { evaluations.append(evaluator.evaluate($0)) })
            return CellResult(index: cell.index, values: cell.values, parameters: parameters, steps: result.steps, evaluations: evaluations)
        } catch {
            return CellResult(index: cell.index, values: cell.values, parameters: parameters, failedAt: error.step, message: error.description)
        }
    }
}

extension RunSpec {
    /// The image entries (`RunParameter.all` with `inImageRecord`), by CLI name: what an image sweep's manifest
    /// records beside the training ones.
    public var imageSettingsJSON: [(String, JSONValue)] { RunParameter.imageEntries.map { ($0.name, $0.json(self)) } }
}
