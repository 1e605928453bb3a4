import HeadFlowNumerics
import HeadFlowData

/// The paper's one-layer patch network on real images, with the loss of docs/MODEL.md §2.
///
/// An image `X` (pixels standardized by `PixelStandardization`) is cut into patches `X_1 … X_P ∈ R^d`
/// (`ImagePatches`); neuron `j` has weights `w_j`, the columns of `W ∈ R^{d×m}`, and output
/// `f_j(X) = Σ_p σ(⟨w_j, X_p⟩)`, `σ(t) = t³` (`ImageActivation`). A batch's two views come from
/// `ImageViewRule` (the random patch mask, optional augmentations); the loss, head `E`, stop-gradient and
/// target are exactly `BatchObjective`'s — the same `BatchNormLoss` on the outputs `f⁽¹⁾`, `f⁽²⁾` — and on
/// the same views `evaluate` returns what `BatchObjective.evaluate` returns (to rounding; tested).
///
/// The large products (`H = X W` and `∂L/∂W = Xᵀ Γ`) go through OpenBLAS in float32 or float64
/// (`ImagePrecision`), split over `threads` threads by a partition of the batch fixed by its size, so
/// that results do not depend on the number of threads. `W` (and an EMA target `W_tg`) live here in that
/// precision; `E` and the loss stay float64 with the caller.
///
/// A batch's views are drawn from Philox streams keyed by the run's `seed` and each image's *visit*
/// (its position in the whole run: `epoch·N + position in the epoch's order`), so a view does not depend
/// on how the batch is split. Not for concurrent use: one caller at a time.
public final class ImageNetwork: @unchecked Sendable {
    /// The patch geometry (`P`, `d`).
    public let patches: ImagePatches
    /// Neurons `m`.
    public let neurons: Int
    /// `σ`.
    public let activation: ImageActivation
    /// How the two views are drawn.
    public let views: ImageViewRule
    /// float32 or float64 for `W` and the products.
    public let precision: ImagePrecision
    /// The pixel scaling (`μ`, `s` of the training set).
    public let standardization: PixelStandardization
    /// The largest batch `N` a call may pass.
    public let batch: Int

    private enum Kernel {
        case float32(ImageNetworkKernel<Float>)
        case float64(ImageNetworkKernel<Double>)
    }
    private let kernel: Kernel

    /// A network with weights `weights` (`d × m`, rounded to `precision`), for batches of up to `batch`
    /// images, computing on up to `threads` threads.
    public init(patches: ImagePatches, neurons: Int, activation: ImageActivation = .cube, views: ImageViewRule = ImageViewRule(),
                precision: ImagePrecision = .float32, standardization: PixelStandardization, batch: Int,
                weights: Matrix, threads: Int = 1) {
        precondition(batch >= 1 && neurons >= 1, "ImageNetwork: need batch ≥ 1 and m ≥ 1")
        self.patches = patches; self.neurons = neurons; self.activation = activation; self.views = views
        self.precision = precision; self.standardization = standardization; self.batch = batch
        switch precision {
        case .float32:
            kernel = .float32(ImageNetworkKernel(patches: patches, neurons: neurons, activation: activation, views: views,
                                                 standardization: standardization, batch: batch, weights: weights, threads: threads))
        case .float64:
            kernel = .float64(ImageNetworkKernel(patches: patches, neurons: neurons, activation: activation, views: views,
                                                 standardization: standardization, batch: batch, weights: weights, threads: threads))
        }
    }

    /// `W` (`d × m`) in float64 (exact for float32 storage); setting it rounds to `precision`.
    public var weights: Matrix {
        get {
            switch kernel {
            case .float32(let k): return k.matrix(k.w)
            case .float64(let k): return k.matrix(k.w)
            }
        }
        set {
            switch kernel {
            case .float32(let k): k.set(k.w, newValue)
            case .float64(let k): k.set(k.w, newValue)
            }
        }
    }

    /// The target weights `W_tg` of an EMA target, nil when the target branch uses `W` itself (`same`).
    /// Setting a matrix starts (or overwrites) a separate target; setting nil drops it.
    public var targetWeights: Matrix? {
        get {
            switch kernel {
            case .float32(let k): return k.target.map { k.matrix($0) }
            case .float64(let k): return k.target.map { k.matrix($0) }
            }
        }
        set {
            switch kernel {
            case .float32(let k): k.setTarget(newValue != nil); if let v = newValue { k.set(k.target!, v) }
            case .float64(let k): k.setTarget(newValue != nil); if let v = newValue { k.set(k.target!, v) }
            }
        }
    }

    /// The outputs `f⁽¹⁾ = f(X⁽ⁱ'¹⁾; W)` and `f⁽²⁾ = f(X⁽ⁱ'²⁾; W_tg)` (`N × m`, float64) of the images
    /// `indices` of `images`, whose views are drawn for visits `visit, visit + 1, …` under `seed`.
    /// Keeps what `backward` and `backpropagate` need.
    public func forward(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64) -> (online: Matrix, target: Matrix) {
        propagate(images, indices: indices, visit: visit, seed: seed)
        return outputs
    }

    /// `forward` without handing out the outputs: they stay inside for `backpropagate` (read them with `outputs`).
    /// Given the head `E` that `backpropagate` will use (known before the outputs unless `E` is set from them),
    /// the threads of the forward pass also form the loss's `F = f⁽¹⁾ Eᵀ`, each over its images, off the
    /// single-threaded part of the step (`backpropagate` uses it once, and only with that `E`).
    public func propagate(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64, head: Matrix? = nil) {
        switch kernel {
        case .float32(let k): k.forward(images, indices: indices, visit: visit, seed: seed, head: head)
        case .float64(let k): k.forward(images, indices: indices, visit: visit, seed: seed, head: head)
        }
    }

    /// The last `forward`'s (or `propagate`'s) `f⁽¹⁾`, `f⁽²⁾` (`N × m`, float64).
    public var outputs: (online: Matrix, target: Matrix) {
        switch kernel {
        case .float32(let k): return k.outputs
        case .float64(let k): return k.outputs
        }
    }

    /// The batch loss of the last `propagate` with head `e` — `loss`'s `BatchNormLoss.evaluate` on its
    /// outputs, stop-gradient on (`.off` needs the target `same`) — and then `backward` from its `∂L/∂f`, so
    /// that `descend` applies `∂L/∂W`. Returns `L̂` and `∂L/∂E` (every entry; the caller masks frozen ones).
    ///
    /// The same mathematics as `loss.evaluate` followed by `backward`, and the same errors in the same order,
    /// with the loss's three `N × m × m` products through OpenBLAS `dgemm` and no `N × m` matrix copied: the
    /// values equal theirs to float64 rounding (not bit for bit).
    ///
    /// Once per `propagate` (the backward pass overwrites the batch's pre-activations; a second call stops the
    /// process), unless it threw before the backward pass (zero variance, a non-finite output or loss).
    ///
    /// - Throws: `DegenerateBatch` as `BatchNormLoss` (zero BN variance, a non-finite output, loss or gradient).
    ///   A non-finite gradient is found after the backward pass: `weightGradient` is then not finite; do not
    ///   `descend`.
    public func backpropagate(head e: Matrix, loss: BatchNormLoss = BatchNormLoss(),
                              stopGradient: StopGradientRule = .on) throws(DegenerateBatch) -> ImageBatchLoss {
        let through = stopGradient == .off
        switch kernel {
        case .float32(let k):
            let r = try k.lossAndBackward(head: e, loss: loss, throughTarget: through)
            return ImageBatchLoss(loss: r.loss, gradE: r.gradE, correlations: r.correlations)
        case .float64(let k):
            let r = try k.lossAndBackward(head: e, loss: loss, throughTarget: through)
            return ImageBatchLoss(loss: r.loss, gradE: r.gradE, correlations: r.correlations)
        }
    }

    /// `∂L/∂W = X⁽¹⁾ᵀ Γ⁽¹⁾ (+ X⁽²⁾ᵀ Γ⁽²⁾)` for the last `forward`'s batch, from `∂L/∂f⁽¹⁾` and (stop-gradient
    /// off, target = `W`) `∂L/∂f⁽²⁾`, as `BatchNormLoss.evaluate` returns them. Read it with `weightGradient`,
    /// apply it with `descend`. Once per `forward` (it overwrites the batch's pre-activations; a second call stops
    /// the process), as `backpropagate`.
    public func backward(online: Matrix, target: Matrix? = nil) {
        switch kernel {
        case .float32(let k): k.backward(online: online, target: target)
        case .float64(let k): k.backward(online: online, target: target)
        }
    }

    /// The last `backward`'s `∂L/∂W` (`d × m`) in float64.
    public var weightGradient: Matrix {
        switch kernel {
        case .float32(let k): return k.matrix(k.gradient)
        case .float64(let k): return k.matrix(k.gradient)
        }
    }

    /// `W ← W − lr ∂L/∂W` (the last `backward`'s gradient, in `precision`); false when `W` is no longer finite.
    public func descend(lr: Double) -> Bool {
        switch kernel {
        case .float32(let k): return k.descend(lr: lr)
        case .float64(let k): return k.descend(lr: lr)
        }
    }

    /// `W_tg ← (1 − c) W_tg + c W` (nothing without a separate target).
    public func moveTarget(rate c: Double) {
        switch kernel {
        case .float32(let k): k.moveTarget(rate: c)
        case .float64(let k): k.moveTarget(rate: c)
        }
    }

    /// Loss, correlations `ρ̂_j`, `∂L/∂W` and `∂L/∂E` (every entry) on the views of `indices` — the same
    /// quantities as `BatchObjective.evaluate` on `sampleBatch(…)`'s views, with `loss`'s `ε`, head `e` and
    /// stop-gradient rule (`.off` needs the target `same`), through the path training takes (`propagate`,
    /// `backpropagate`). `W` is not changed.
    ///
    /// - Throws: `DegenerateBatch` as `BatchNormLoss` (zero BN variance, a non-finite output or gradient).
    public func evaluate(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64, head e: Matrix,
                         loss: BatchNormLoss = BatchNormLoss(), stopGradient: StopGradientRule = .on) throws(DegenerateBatch) -> BatchEvaluation {
        propagate(images, indices: indices, visit: visit, seed: seed, head: e)
        let ev = try backpropagate(head: e, loss: loss, stopGradient: stopGradient)
        let gradW = weightGradient
        guard gradW.isFinite else { throw .nonFinite(quantity: "gradient ∂L/∂W") }
        return BatchEvaluation(loss: ev.loss, correlations: ev.correlations, gradW: gradW, gradE: ev.gradE)
    }

    /// The views of `indices` (visits `visit …`, `seed`) as a `SampleBatch` in float64: patch `p` of image `i`
    /// is row `i·P + p` of `view1` or `view2` (a zero row in the other view) — the layout `BatchObjective`
    /// reads, for checks and for exporting batches to a reference implementation. `features` holds the
    /// images' labels, `signs` 1, `featurePatchesInView1` each image's number of view-1 patches.
    public func sampleBatch(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64) -> SampleBatch {
        let reference = ImageNetworkKernel<Double>(patches: patches, neurons: neurons, activation: activation, views: views,
                                                   standardization: standardization, batch: max(batch, indices.count),
                                                   weights: Matrix(rows: patches.dimension, cols: neurons), threads: 1)
        return reference.sampleBatch(images, indices: indices, visit: visit, seed: seed)
    }

    /// `f(X)` of every image of `images` with all its `P` patches — no mask, no augmentation — at the
    /// current `W` (`N × m`, float64): the representation the probes read.
    public func representation(of images: ImageSet) -> Matrix {
        switch kernel {
        case .float32(let k): return k.representation(images)
        case .float64(let k): return k.representation(images)
        }
    }
}

/// The loss of one batch from `ImageNetwork.backpropagate`.
public struct ImageBatchLoss: Sendable {
    /// `L̂ = (1/N) Σ_i ‖F̂_i − Ĝ_i‖²`.
    public let loss: Double
    /// `∂L/∂E` (`m × m`), every entry.
    public let gradE: Matrix
    /// `ρ̂_j`, the batch correlation of `F_j` and `G_j` (when `ε = 0`).
    public let correlations: [Double]
}
