import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// Solves an `ImageTrainingProblem` by SGD (epochs of shuffled batches), calling a hook every `evalEvery`
/// epochs and after the last.
///
/// The same problem gives the same bits for any `threads`: the orders and views come from Philox streams
/// keyed by the seed, the epoch and each image's visit, and `ImageNetwork` splits a batch by its size alone.
public struct ImageTrainer: Sendable {
    /// Threads a batch is split over (≥ 1); the result does not depend on it.
    public var threads: Int
    /// The hook runs after every `evalEvery` epochs (and after the last); nil: after the last only.
    public var evalEvery: Int?

    /// A trainer on up to `threads` threads, hooking every `evalEvery` epochs.
    public init(threads: Int = 1, evalEvery: Int? = nil) {
        self.threads = max(1, threads); self.evalEvery = evalEvery
    }

    /// Progress after a step: step (1-based, over the run), steps of the run, the batch loss `L̂`.
    public typealias Progress = (_ step: Int, _ steps: Int, _ batchLoss: Double) -> Void

    /// Runs every epoch of `problem` (call `problem.validate()` first for input you did not build).
    ///
    /// `afterStep`, when given, sees every step once it is complete (`W`, `E` and an EMA target updated) and
    /// returns whether to go on: `false` ends the run there (e.g. a reference trace of the first `K` steps,
    /// `ImageTrace`); the result then holds the steps taken, the last epoch's mean loss over its steps taken,
    /// and `hook` does not run for that unfinished epoch. Without it (or while it returns `true`) the run is
    /// bit for bit the same.
    ///
    /// - Throws: `ImageTrainingFailure` with the epoch and step reached when a batch is degenerate (zero BN
    ///   variance, non-finite outputs or gradients) or `W`, `E` stop being finite.
    public func train(_ problem: ImageTrainingProblem, progress: Progress? = nil,
                      hook: ((ImageTrainingSnapshot) -> Void)? = nil,
                      afterStep: ((ImageTrainingStep) -> Bool)? = nil) throws(ImageTrainingFailure) -> ImageTrainingResult {
        let standardization: PixelStandardization
        do { standardization = try PixelStandardization(training: problem.images) } catch {
            throw ImageTrainingFailure(epoch: 0, step: 0, reason: error.description)
        }
        let start = problem.initialState()
        let network = problem.network(weights: start.weights, standardization: standardization, threads: threads)
        if problem.target == .ema { network.targetWeights = start.weights }
        let mask = problem.head.trainableMask(neurons: problem.neurons)
        let loss = BatchNormLoss(epsilon: problem.epsilon)
        let rule = problem.head.rule
        var spectral = problem.spectralHead.map { SpectralHeadEstimate(rule: $0, rho: problem.dpRho, neurons: problem.neurons) }
        var e = start.head
        let n = problem.images.count, perEpoch = problem.stepsPerEpoch, batch = problem.batch
        var losses: [Double] = []
        var step = 0
        var stopped = false
        for epoch in 1...problem.epochs {
            let order = Self.order(count: n, seed: problem.seed, epoch: epoch)
            var total = 0.0, taken = 0
            for b in 0..<perEpoch {
                step += 1
                func failure(_ reason: String) -> ImageTrainingFailure { ImageTrainingFailure(epoch: epoch, step: step, reason: reason) }
                let visit = UInt64(epoch - 1) * UInt64(n) + UInt64(b * batch)
                let indices = Array(order[(b * batch)..<((b + 1) * batch)])
                network.propagate(problem.images, indices: indices, visit: visit, seed: problem.seed, head: spectral == nil ? e : nil)
                if spectral != nil {
                    do { e = try spectral!.update(outputs: network.outputs.online) } catch { throw failure(error.description) }
                }
                let ev: ImageBatchLoss
                do { ev = try network.backpropagate(head: e, loss: loss, stopGradient: problem.stopGradient) } catch {
                    throw failure(error.description)
                }
                guard network.descend(lr: problem.lr) else {
                    throw failure("W became non-finite after the update; try a smaller --lr")
                }
                if spectral == nil { rule.sgdStep(&e, gradient: ev.gradE, mask: mask, rate: problem.lrE) }
                guard e.isFinite else { throw failure("E became non-finite after the update; try a smaller --lr") }
                if problem.target == .ema { network.moveTarget(rate: problem.lr / problem.emaTau) }
                total += ev.loss
                taken += 1
                progress?(step, problem.steps, ev.loss)
                if let afterStep, !afterStep(ImageTrainingStep(epoch: epoch, step: step, indices: indices, visit: visit,
                                                               loss: ev.loss, head: e, network: network)) {
                    stopped = true
                    break
                }
            }
            losses.append(total / Double(taken))
            if stopped { break }
            if epoch == problem.epochs || (evalEvery.map { $0 >= 1 && epoch % $0 == 0 } ?? false) {
                hook?(ImageTrainingSnapshot(epoch: epoch, weights: network.weights, head: e, meanLoss: losses[epoch - 1],
                                            network: network))
            }
        }
        return ImageTrainingResult(weights: network.weights, head: e, targetWeights: network.targetWeights,
                                   losses: losses, steps: step, standardization: standardization, network: network)
    }

    /// The order of epoch `epoch` (1-based): a uniform permutation of `0..<count` (Fisher–Yates) from the
    /// Philox stream `(seed, shuffle, epoch)`, so an epoch's order does not depend on the epochs before it.
    /// Batch `b` of the epoch is `order[b·batch ..< (b+1)·batch]`, its first visit `(epoch − 1)·count + b·batch`
    /// (what `ImageNetwork.sampleBatch` takes to reproduce its views, e.g. for a reference implementation).
    public static func order(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var rng = PhiloxStream(seed: seed, stream: ImageStreams.shuffle, step: UInt64(epoch), buffer: PhiloxBuffer())
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.uniformInt(i + 1)) }
        return order
    }
}

/// One step of `ImageTrainer`, complete, handed to its `afterStep` hook: which images and visits it drew, its
/// batch loss `L̂`, and the state it left (`W`, `E`, an EMA target's `W_tg`).
public struct ImageTrainingStep {
    /// The epoch (1-based).
    public let epoch: Int
    /// The step, counted over the run (1-based).
    public let step: Int
    /// The batch's images, in the epoch's order (`ImageTrainer.order`): `order[b·batch ..< (b+1)·batch]`.
    public let indices: [Int]
    /// The first image's visit, `(epoch − 1)·N + b·batch` (image `i` of the batch has visit `visit + i`).
    public let visit: UInt64
    /// `L̂` of the batch at the weights and head before the step.
    public let loss: Double
    /// `E` after the step.
    public let head: Matrix
    /// The live network (valid during the hook: training moves it on afterwards).
    public let network: ImageNetwork

    /// `W` (`d × m`) after the step, in float64 (exact for float32 storage).
    public var weights: Matrix { network.weights }
    /// `W_tg` after the step for an EMA target, nil for `same`.
    public var targetWeights: Matrix? { network.targetWeights }
}

/// The state after an epoch, handed to `ImageTrainer`'s hook.
public struct ImageTrainingSnapshot {
    /// Epochs done (1-based).
    public let epoch: Int
    /// `W` (`d × m`) in float64.
    public let weights: Matrix
    /// `E` (`m × m`).
    public let head: Matrix
    /// The mean batch loss over the epoch just done.
    public let meanLoss: Double
    /// The live network (valid during the hook: training moves it on afterwards).
    public let network: ImageNetwork

    /// `f(X)` of every image of `images` (no mask), `N × m` — call during the hook.
    public func representation(of images: ImageSet) -> Matrix { network.representation(of: images) }

    /// `max_{j≠r} |cos(w_j, w_r)|` (`NetworkDiagnostics.maxNeuronCosine`).
    public var maxNeuronCosine: Double { NetworkDiagnostics.maxNeuronCosine(weights) }
    /// `max_{j≠r} |E_jr|`.
    public var headOffDiagonalMax: Double { NetworkDiagnostics.headOffDiagonalMax(head) }
    /// `‖E − I‖_F`.
    public var headDeviation: Double { NetworkDiagnostics.headDeviation(head) }
}

/// The end of a training run.
public struct ImageTrainingResult {
    /// `W` after the last step (float64).
    public let weights: Matrix
    /// `E` after the last step.
    public let head: Matrix
    /// `W_tg` of an EMA target (nil for `same`).
    public let targetWeights: Matrix?
    /// The mean batch loss of each epoch.
    public let losses: [Double]
    /// Steps taken.
    public let steps: Int
    /// The training set's `μ` and `s` (applied to every image the network sees).
    public let standardization: PixelStandardization
    /// The trained network (e.g. `network.representation(of: testImages)`).
    public let network: ImageNetwork
}
