import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// A switch an option turns `on` or `off` (`--flip`).
public enum OnOff: String, CaseIterable, Sendable {
    /// Off.
    case off
    /// On.
    case on
}

extension RunSpec {
    /// Where the images come from (`--data fashion-mnist` or `files`); nil for the synthetic data model.
    public var imageSource: ImageSource? {
        switch data {
        case .fashionMNIST: return .fashionMNIST
        case .files:
            return .files(ImageFilePaths(images: images ?? "", labels: labels ?? "", testImages: testImages ?? "",
                                         testLabels: testLabels ?? ""))
        case .online, .fixed: return nil
        }
    }

    /// The views these parameters name: the mask `q` (`--mask-prob`) and the augmentations.
    public var imageViews: ImageViewRule {
        ImageViewRule(maskProbability: maskProb, shift: shift, flip: flip == .on, noise: pixelNoise)
    }

    /// Every parameter acting on images (`RunParameter.onImages`), by CLI name, as given or defaulted
    /// (`init-scale`, `patch-stride` and `samples` as the problem resolves them: `problem` supplies those).
    public func imageJSON(problem: ImageTrainingProblem) -> [(String, JSONValue)] {
        RunParameter.onImages.map { p in
            switch p.name {
            case "init-scale": return (p.name, .number(problem.initialScale))
            case "patch-stride": return (p.name, .integer(problem.patches.stride))
            case "samples": return (p.name, .integer(problem.images.count))
            default: return (p.name, p.json(self))
            }
        }
    }
}

extension TrainSpec {
    /// The image-training problem these parameters name on `data` (the images `run.imageSource` loaded):
    /// the first `--samples` training images (default: all), the network, views, rules and steps. Throws a
    /// `ParameterError` naming the first invalid parameter (`--samples` beyond the file, `--patch` beyond the
    /// image, …).
    public func imageProblem(data: ImageData) throws(ParameterError) -> ImageTrainingProblem {
        try run.validate()
        try requireEncoderRate()
        if let samples = run.samples {
            try require(samples, "samples", "an integer in 1…\(data.train.count) (the training images)", { $0 <= data.train.count })
        }
        var p = ImageTrainingProblem(images: run.samples.map { data.train.prefix($0) } ?? data.train, patch: run.patch,
                                     stride: run.patchStride, neurons: run.neurons, head: run.head, lr: run.lr, lrE: lrE,
                                     batch: run.batch, epochs: run.epochs, seed: run.seed)
        p.activation = run.activation
        p.views = run.imageViews
        p.rules = run.siamese.rules
        p.epsilon = run.bnEpsilon
        p.initScale = run.initScale
        p.precision = run.precision
        try p.validate()
        guard lrE.isFinite else {
            throw ParameterError("eta", must: "large enough that the head step lr·η_E/η is finite", got: "\(run.eta)")
        }
        return p
    }
}
