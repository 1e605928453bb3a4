import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel
import HeadFlowDynamics

/// Renders SGD of the paper's network on real images (`headflow train --data fashion-mnist|files`) as JSON,
/// CSV or a terminal table: every parameter (with the data files' SHA-256 and the pixel standardization),
/// the evaluations of issue 20 point 4 and the two baselines.
public struct ImageTrainReport {
    /// Every parameter of the run.
    public let spec: TrainSpec
    /// The problem as trained (its `images` are the training images used).
    public let problem: ImageTrainingProblem
    /// The data files read, with their SHA-256.
    public let files: [ImageFileRecord]
    /// Test images the probes were scored on.
    public let testCount: Int
    /// The training set's pixel standardization `μ`, `s`.
    public let standardization: PixelStandardization
    /// The evaluations, in epoch order.
    public let evaluations: [ImageEvaluation]
    /// The probes on the raw pixels (nil: not measured).
    public let rawPixels: ImageEvaluation?
    /// The network at its start.
    public let untrained: ImageEvaluation
    /// The mean batch loss of each epoch.
    public let losses: [Double]
    /// `E` after the last step.
    public let finalHead: Matrix

    /// A report of a finished run (see the properties).
    public init(spec: TrainSpec, problem: ImageTrainingProblem, files: [ImageFileRecord], testCount: Int,
                standardization: PixelStandardization, evaluations: [ImageEvaluation], rawPixels: ImageEvaluation?,
                untrained: ImageEvaluation, losses: [Double], finalHead: Matrix) {
        self.spec = spec; self.problem = problem; self.files = files; self.testCount = testCount
        self.standardization = standardization; self.evaluations = evaluations; self.rawPixels = rawPixels
        self.untrained = untrained; self.losses = losses; self.finalHead = finalHead
    }

    // MARK: - JSON

    /// `{parameters, evaluations, baselines, epoch_losses, final_head}`.
    public var json: JSONValue {
        .object([
            ("parameters", parameters),
            ("evaluations", .array(evaluations.map(\.json))),
            ("baselines", .object([("raw_pixels", rawPixels.map(Self.baselineJSON) ?? .null), ("untrained", Self.baselineJSON(untrained))])),
            ("epoch_losses", .numbers(losses)),
            ("final_head", .matrix(finalHead)),
        ])
    }

    /// Every parameter acting on images (`RunSpec.imageJSON`), then what the run derived: `lr-e`, the steps,
    /// the image geometry, `P`, `d`, the standardization and the files.
    public var parameters: JSONValue {
        let i = problem.images, p = problem.patches
        return .object(spec.run.imageJSON(problem: problem) + [
            ("lr-e", .number(problem.lrE)), ("steps", .integer(problem.steps)), ("steps_per_epoch", .integer(problem.stepsPerEpoch)),
            ("train_images", .integer(i.count)), ("test_images", .integer(testCount)),
            ("image", .object([("height", .integer(i.height)), ("width", .integer(i.width)), ("channels", .integer(i.channels))])),
            ("patch_count", .integer(p.count)), ("patch_dimension", .integer(p.dimension)),
            ("pixel_mean", .numbers(standardization.mean)), ("pixel_scale", .number(standardization.scale)),
            ("files", .array(files.map { .object([("role", .string($0.role)), ("path", .string($0.path)), ("sha256", .string($0.sha256))]) })),
        ])
    }

    /// A baseline: `linear_probe`, `knn`, `erank`, `rankme`.
    static func baselineJSON(_ e: ImageEvaluation) -> JSONValue {
        .object([("linear_probe", .number(e.linearProbe)), ("knn", .number(e.knn)), ("erank", .number(e.erank)), ("rankme", .number(e.rankme))])
    }

    // MARK: - CSV

    /// One row per evaluation after the baselines: `kind` (`raw_pixels`, `untrained`, `trained`), `epoch` and the metrics.
    public var csv: String {
        var out = "kind,epoch," + ImageEvaluation.metricNames.joined(separator: ",") + "\n"
        func row(_ kind: String, _ e: ImageEvaluation) {
            out += kind + "," + (e.epoch.map(String.init) ?? "") + ","
            out += e.metrics.map { $0.value.map { "\($0)" } ?? "" }.joined(separator: ",") + "\n"
        }
        if let rawPixels { row("raw_pixels", rawPixels) }
        row("untrained", untrained)
        for e in evaluations { row("trained", e) }
        return out
    }

    // MARK: - Table

    /// A terminal summary: the setting, one row per evaluation (the untrained network first), the baselines.
    public func table() -> String {
        let s = spec.run, i = problem.images, p = problem.patches
        let source = s.data == .fashionMNIST ? "Fashion-MNIST" : "image files"
        var out = "headflow train — SGD on \(source) (\(i.count) training / \(testCount) test images, \(i.height)×\(i.width)×\(i.channels)), "
        out += "head \(s.head.rawValue), target \(s.target.rawValue), stop-grad \(s.stopGrad.rawValue)\n"
        out += "network: m=\(problem.neurons) σ=\(problem.activation.rawValue), patches \(p.size)×\(p.size) stride \(p.stride) (P=\(p.count), d=\(p.dimension)), "
        out += "mask q=\(s.maskProb)" + (problem.views.augments ? ", shift \(s.shift), flip \(s.flip.rawValue), pixel noise \(s.pixelNoise)" : "") + "\n"
        out += "SGD: N=\(problem.batch) lr=\(problem.lr) lr_E=\(NumberFormat.short(problem.lrE)) epochs=\(problem.epochs) "
        out += "(\(problem.steps) steps) \(problem.precision.rawValue), seed \(s.seed); pixels centred per pixel, scaled by s=\(NumberFormat.short(standardization.scale))\n"
        for f in files { out += "  \(f.role): \(f.path) (sha256 \(f.sha256.prefix(16))…)\n" }
        out += "\n"
        let header = ["epoch", "loss", "erank", "rankme", "probe", "kNN", "max|cos w|", "max|E_jr|", "‖E−I‖_F"]
        var rows = [header]
        func cells(_ label: String, _ e: ImageEvaluation) -> [String] {
            [label] + e.metrics.map { m in
                guard let x = m.value else { return "—" }
                return m.name == "linear_probe" || m.name == "knn" ? NumberFormat.fixed(x, digits: 4) : NumberFormat.short(x)
            }
        }
        rows.append(cells("0", untrained))
        for e in evaluations { rows.append(cells(e.epoch.map(String.init) ?? "", e)) }
        out += TextColumns.render(rows)
        if let r = rawPixels {
            out += "\nraw pixels: probe \(NumberFormat.fixed(r.linearProbe, digits: 4))  kNN \(NumberFormat.fixed(r.knn, digits: 4))  "
            out += "erank \(NumberFormat.short(r.erank))  rankme \(NumberFormat.short(r.rankme))\n"
        }
        out += "probe: multinomial logistic regression on standardised features, λ chosen on a held-out tenth (GSL BFGS); "
        out += "kNN: k = 20, cosine, T = 0.07; ranks of the standardised training features\n"
        return out
    }
}

/// Right-aligned columns (the first left-aligned), two spaces apart.
enum TextColumns {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { TerminalText.columns($0[c]) }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, x in
                let pad = String(repeating: " ", count: widths[c] - TerminalText.columns(x))
                return c == 0 ? x + pad : pad + x
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
