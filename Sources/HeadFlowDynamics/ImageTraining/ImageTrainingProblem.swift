import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// SGD of the paper's network on real images (issue 20) as a *problem*: the images, the network, the views
/// and the step sizes — the loss, heads, targets and stop-gradient of docs/MODEL.md §2 and §6, as
/// `TrainingProblem` has them for synthetic data. `ImageTrainer` solves it.
///
/// An epoch visits the images in a fresh random order (from `seed`) in `⌊N/batch⌋` batches of exactly
/// `batch` images **(choice: the last `N mod batch` images of the order sit the epoch out, so that every
/// batch normalizes over the same count)**. A step draws the batch's views and updates
/// `W ← W − lr ∂L̂/∂W` and `E ← E − lr_E (∂L̂/∂E ∘ mask)`, `lr_E = lr · η_E/η` as in synthetic SGD; with
/// the EMA target, then `W_tg ← W_tg + (lr/τ)(W − W_tg)`.
@dynamicMemberLookup
public struct ImageTrainingProblem: Sendable {
    /// The training images.
    public var images: ImageSet
    /// Patch side `p` and stride `s` (default `p`).
    public var patches: ImagePatches
    /// Neurons `m`.
    public var neurons: Int
    /// `σ` (`cube`: the paper's `t³`).
    public var activation: ImageActivation = .cube
    /// The random mask `q` and the augmentations.
    public var views: ImageViewRule = ImageViewRule()
    /// The head rule, the target rule and the stop-gradient (the synthetic model's `SiameseRules`; read through
    /// this value: `problem.head`, `problem.target = .ema`, …).
    public var rules: SiameseRules
    /// Encoder step `lr`.
    public var lr: Double
    /// Head step `lr_E = lr · η_E/η`.
    public var lrE: Double
    /// Batch size (images per step, ≥ 2).
    public var batch: Int
    /// Passes over the images.
    public var epochs: Int
    /// BN `ε` (default 0 **(choice)**, as `BatchNormLoss`).
    public var epsilon: Double = 0
    /// Seed of the run: `W(0)` and a random head (GSL's `RandomSource`), the epochs' orders and the views (Philox).
    public var seed: UInt64
    /// `σ_0` of `W(0)`: entries `N(0, σ_0²)`, default `1/√d` as synthetic SGD (`InitialCondition`).
    public var initScale: Double? = nil
    /// float32 or float64 for `W` and the products.
    public var precision: ImagePrecision = .float32

    /// A problem over `images` with `p × p` patches of stride `stride` (default `p`); see the properties.
    public init(images: ImageSet, patch: Int, stride: Int? = nil, neurons: Int, head: HeadKind, lr: Double, lrE: Double,
                batch: Int = 256, epochs: Int, seed: UInt64 = 1) {
        self.images = images; self.patches = ImagePatches(of: images, size: patch, stride: stride)
        self.neurons = neurons; self.rules = SiameseRules(head: head); self.lr = lr; self.lrE = lrE
        self.batch = batch; self.epochs = epochs; self.seed = seed
    }

    /// A rule (`problem.head`, `problem.emaTau = 50`, …).
    public subscript<T>(dynamicMember key: WritableKeyPath<SiameseRules, T>) -> T {
        get { rules[keyPath: key] }
        set { rules[keyPath: key] = newValue }
    }

    /// A derived property of the rules (`problem.spectralHead`: the map `S ↦ E` of a head set from the outputs).
    public subscript<T>(dynamicMember key: KeyPath<SiameseRules, T>) -> T { rules[keyPath: key] }

    /// Steps per epoch, `⌊N / batch⌋`.
    public var stepsPerEpoch: Int { images.count / batch }

    /// Steps of the whole run.
    public var steps: Int { stepsPerEpoch * epochs }

    /// `σ_0` (the given one or `1/√d`).
    public var initialScale: Double { initScale ?? 1 / Double(patches.dimension).squareRoot() }

    /// Throws a `ParameterError` naming the first invalid parameter (the patch geometry, the views, `m`,
    /// the steps, `N ≥ batch`, the EMA and stop-gradient combination, pixels that vary).
    public func validate() throws(ParameterError) {
        try patches.validate()
        try views.validate()
        try require(neurons, "neurons", "an integer ≥ 1", { $0 >= 1 })
        try require(lr, "lr", "a finite step > 0", { $0 > 0 })
        try require(lrE, "lr-e", "a finite head step ≥ 0 (lr · η_E/η)", { $0 >= 0 })
        try require(batch, "batch", "an integer ≥ 2 (BN needs two samples)", { $0 >= 2 })
        try require(images.count, "samples", "at least --batch = \(batch) images", { $0 >= batch })
        try require(epochs, "epochs", "an integer ≥ 1", { $0 >= 1 })
        try require(epsilon, "bn-epsilon", "a finite ε ≥ 0", { $0 >= 0 })
        try require(initialScale, "init-scale", "a finite σ_0 > 0", { $0 > 0 })
        try rules.validateRules(lr: lr)
        _ = try PixelStandardization(training: images)
    }

    /// `W(0)` (`d × m`, entries `N(0, σ_0²)`) and `E(0)` (`HeadKind.initialHead`), drawn in that order
    /// from GSL's `RandomSource(seed:)`.
    public func initialState() -> (weights: Matrix, head: Matrix) {
        let source = RandomSource(seed: seed)
        let w = source.gaussianMatrix(rows: patches.dimension, cols: neurons, sigma: initialScale)
        return (w, rules.head.initialHead(neurons: neurons, source: source))
    }

    /// An `ImageNetwork` with this problem's patches, activation, views and precision at `weights`, pixels
    /// scaled by `standardization` (e.g. to evaluate the untrained network, `initialState().weights`).
    public func network(weights: Matrix, standardization: PixelStandardization, threads: Int = 1) -> ImageNetwork {
        ImageNetwork(patches: patches, neurons: neurons, activation: activation, views: views, precision: precision,
                     standardization: standardization, batch: batch, weights: weights, threads: threads)
    }
}
