import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// SGD on the mini-batch loss of docs/MODEL.md §2 as a *problem*: the data, the
/// network start and the step sizes. The sampler that draws the batches is
/// chosen at `solve` (`SGDSolver`), like the integrator of a `PopulationProblem`.
///
/// One step `n → n + 1` draws `N` fresh samples (or `N` of a fixed data set),
/// splits each into two views by the random mask and updates
/// `W ← W − lr ∂L̂/∂W`, `E ← E − lr_E (∂L̂/∂E ∘ mask)`, with `L̂` the batch loss
/// (BN over the batch on both branches, stop-gradient target). Time is
/// `t = lr · n`, so `t` is comparable with the flow's `t` at `η = 1`, and
/// `lr_E = lr · η_E/η` keeps the flow's ratio of head to encoder rates.
public struct TrainingProblem: Sendable {
    /// The model: data, head rule, target rule, stop-gradient (the one `SiameseModel` the flow also holds).
    /// The EMA target steps `W_tg ← W_tg + (lr/τ)(W − W_tg)` after each step (`EMATarget.sgdStep`); a head set
    /// from the outputs uses a running `Ŝ` (`SpectralHeadEstimate`, `ρ = model.dpRho`).
    public var model: SiameseModel
    /// The start `(A(0), R(0), E(0))`; the network is `W(0) = V A(0) + U R(0)`
    /// for the first `m` noise coordinates `U` (any orthonormal `U` in the noise
    /// space gives the same law, the noise being isotropic there).
    public var start: ReducedState
    /// Encoder step `lr` (`η` of the discrete dynamics).
    public var lr: Double
    /// Head step `lr_E` (`lr · η_E/η`).
    public var lrE: Double
    /// Batch size `N`.
    public var batch: Int
    /// Number of steps; the run ends at `t = lr · steps`.
    public var steps: Int
    /// Where batches come from.
    public var data: DataSupply
    /// BN `ε` (default 0 **(choice)**).
    public var epsilon: Double
    /// Seed of the data stream (batches, masks, and the projected sampler's noise).
    public var dataSeed: UInt64
    /// Where the trajectory is recorded, in time `t = lr · step` (rounded to steps).
    public var sampling: SampleTimes

    /// A problem for `model`; see the properties. Call `validate()` before solving input you did not build.
    public init(model: SiameseModel, start: ReducedState, lr: Double, lrE: Double, batch: Int = 512,
                steps: Int, data: DataSupply = .online, epsilon: Double = 0, dataSeed: UInt64 = 1,
                sampling: SampleTimes = .logarithmic(points: 200)) {
        self.model = model; self.start = start
        self.lr = lr; self.lrE = lrE; self.batch = batch; self.steps = steps
        self.data = data; self.epsilon = epsilon; self.dataSeed = dataSeed; self.sampling = sampling
    }

    /// A problem for the paper's model on `data` with head `head` (target = online weights, stop-gradient).
    public init(model data: DataModel, head: HeadKind, start: ReducedState, lr: Double, lrE: Double, batch: Int = 512,
                steps: Int, data supply: DataSupply = .online, epsilon: Double = 0, dataSeed: UInt64 = 1,
                sampling: SampleTimes = .logarithmic(points: 200)) {
        self.init(model: SiameseModel(data: data, head: head), start: start, lr: lr, lrE: lrE, batch: batch, steps: steps,
                  data: supply, epsilon: epsilon, dataSeed: dataSeed, sampling: sampling)
    }

    /// Neurons `m`.
    public var neurons: Int { start.neurons }

    /// End time `t = lr · steps`.
    public var tEnd: Double { lr * Double(steps) }

    /// At most this many steps (`10⁹`: hours even for the projected sampler's
    /// microsecond steps; more is almost surely a mistyped `--t-end` or `--lr`).
    public static let maximumSteps = 1_000_000_000

    /// Throws a `ParameterError` naming the first invalid parameter.
    public func validate() throws(ParameterError) {
        let data = model.data
        try data.validate()
        try start.validate(for: data)
        let k = data.featureCount
        try require(data.dimension, "d", "an integer ≥ k + m = \(k + neurons) for SGD (the noise part of W needs m directions)",
                    { $0 >= k + neurons })
        try RunParameter.check("lr", lr)
        try require(lrE, "lr-e", "a finite head step ≥ 0 (lr · η_E/η)", { $0 >= 0 })
        try RunParameter.check("batch", batch)
        try RunParameter.check("steps", steps)
        guard tEnd.isFinite else { throw ParameterError("lr", must: "small enough that the end time lr·steps is finite", got: "\(lr)") }
        try RunParameter.check("bn-epsilon", epsilon)
        if case .fixed(let n) = self.data {
            try require(n, "samples", "an integer ≥ --batch = \(batch)", { $0 >= batch })
            let doubles = Double(n) * Double(data.patches - data.featurePatches) * Double(data.dimension - k)
            try require(n, "samples", "small enough that samples·(P−s)·(d−k) ≤ 2·10⁹ stored numbers (here \(NumberFormat.short(doubles)))",
                        { _ in doubles <= 2e9 })
        }
        try sampling.validate()
        try model.rules.validateRules(lr: lr)
    }
}

/// `--data`: the kind of SGD's data supply (its size is `--samples`).
public enum DataKind: String, CaseIterable, Sendable {
    /// Fresh samples every step.
    case online
    /// A fixed data set of `--samples` samples.
    case fixed
    /// Fashion-MNIST's images (Debian's `dataset-fashion-mnist`), trained by `ImageTrainer` (issue 20).
    case fashionMNIST = "fashion-mnist"
    /// Images and labels from the user's files (`--images`, `--labels`, `--test-images`, `--test-labels`).
    case files

    /// True for real images (`fashion-mnist`, `files`), false for the synthetic data model.
    public var isImage: Bool { self == .fashionMNIST || self == .files }
}

/// Where SGD's mini-batches come from.
public enum DataSupply: Equatable, Sendable {
    /// Fresh samples every step (online SGD on the population distribution).
    case online
    /// A fixed data set of `samples` samples drawn once; each epoch visits them
    /// in a new random order, with a fresh random mask (augmentation) every time.
    case fixed(samples: Int)
}

/// How an SGD step is computed.
public enum SGDSampler: String, CaseIterable, Sendable, Codable {
    /// The network `W ∈ R^{d×m}` and every noise patch `ξ ∈ R^d` are formed;
    /// cost per step `O(N P d m)`.
    case full
    /// Exact online SGD on `[A; R]` (`RᵀR = B = WᵀΠW`): a noise patch enters only
    /// through `h = Wᵀξ ~ N(0, σ_ξ² B)`, and the noise the backward pass adds
    /// outside `span(ΠW)` through a Wishart factor. Cost per step `O(N P m + m³)`,
    /// independent of `d`. Online data only.
    case projected
}
