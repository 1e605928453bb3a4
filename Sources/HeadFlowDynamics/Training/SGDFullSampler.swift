import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The `full` SGD sampler: `W ∈ R^{d×m}` and every noise patch `ξ_p ∈ R^d`
/// are formed (internal).
///
/// Noise patches live in `span(V)^⊥`, so only their last `d − k` coordinates
/// are formed and multiply `W_⊥` (rows `k…d−1` of `W`). Each chunk of the batch
/// draws its samples' patches one at a time (online data) or reads them (a
/// fixed data set), forms `h_p = W_⊥ᵀ ξ_p`, the outputs, and per sample
/// `U_i = Σ_{p ∈ view 1} ξ_p (3 h_p²)ᵀ` (`(d−k) × m`); then
/// `∂L/∂W_⊥ = Σ_i U_i ∘ ∂L/∂f_i` row by row, summed over samples in order. A step
/// draws `N(P−s)(d−k)` Gaussians and costs `O(N P d m)`.
final class SGDFullSampler: SGDStepper, SGDChunkWork, @unchecked Sendable {
    let model: DataModel
    let k: Int, m: Int, d: Int, width: Int
    let lr: Double, lrE: Double, sigma: Double
    let threads: Int
    private let mask: Matrix
    /// The head rule (its SGD step).
    private let head: any HeadRule
    private let loss: BatchNormLoss
    private let layout: SGDBatchLayout
    private let streams: SGDStreams
    /// The threads that run the chunks (persistent across steps).
    private let pool: WorkerPool
    private let dataset: SGDFixedDataSet?
    private var stepIndex = 0
    /// `W` (d×m row-major): rows `0..<k` are `A`, rows `k..<d` are `W_⊥`.
    private let w: UnsafeMutablePointer<Double>
    /// A fixed data set's batch rows (sample `i`'s `P − s` rows, its view-1 rows first); unused online.
    private let xi: UnsafeMutablePointer<Double>
    /// Per sample `U_i` (`m × (d−k)`, row `j` is `Σ_p 3 h_pj² ξ_p`).
    private let u: UnsafeMutablePointer<Double>
    /// Per chunk: one patch and its `h`.
    private let scratch: UnsafeMutablePointer<Double>
    private let gradPerp: UnsafeMutablePointer<Double>
    private var e: Matrix
    /// The EMA target `W_tg` (d×m), or `w` itself for the target `same`; its step `c = lr/τ`.
    private let wTarget: UnsafeMutablePointer<Double>
    private let emaRate: Double?
    /// Stop-gradient off: per sample `U_i` of view 2 (as `u`), else unused.
    private let throughTarget: Bool
    private let u2: UnsafeMutablePointer<Double>
    private var spectral: SpectralHeadEstimate?
    private(set) var lastBatch: (outputs: Matrix, head: Matrix)?

    /// Starts from `W(0) = V A(0) + U R(0)`, `U` the first `m` noise coordinates; draws with
    /// `generator` and splits each batch over up to `threads` threads.
    init(problem: TrainingProblem, generator: SGDGenerator = .philox, threads: Int = 1) {
        model = problem.model.data
        k = model.featureCount; m = problem.neurons; d = model.dimension; width = d - k
        lr = problem.lr; lrE = problem.lrE; sigma = model.noise
        self.threads = threads
        mask = problem.model.headRule.trainableMask(neurons: m); head = problem.model.headRule
        loss = BatchNormLoss(epsilon: problem.epsilon)
        layout = SGDBatchLayout(model: model, batch: problem.batch, neurons: m)
        streams = SGDStreams(generator: generator, seed: problem.dataSeed, chunks: layout.chunks.count)
        pool = WorkerPool(threads: min(threads, layout.chunks.count))
        let perSample = model.patches - model.featurePatches
        w = .allocate(capacity: d * m); w.initialize(repeating: 0, count: d * m)
        u = .allocate(capacity: max(1, problem.batch * m * width))
        scratch = .allocate(capacity: layout.chunks.count * (width + m))
        gradPerp = .allocate(capacity: width * m)
        let start = problem.start
        for i in 0..<(k * m) { w[i] = start.a.storage[i] }
        for q in 0..<m { for j in 0..<m { w[(k + q) * m + j] = start.r[q, j] } }
        e = start.e
        if problem.model.target == .ema {
            emaRate = problem.lr / problem.model.emaTau
            wTarget = .allocate(capacity: d * m); wTarget.initialize(from: w, count: d * m)
        } else {
            emaRate = nil; wTarget = w
        }
        throughTarget = problem.model.stopGradient == .off
        u2 = throughTarget ? .allocate(capacity: max(1, problem.batch * m * width)) : .allocate(capacity: 1)
        let neurons = problem.neurons
        spectral = problem.model.spectralHead.map { SpectralHeadEstimate(rule: $0, rho: problem.model.dpRho, neurons: neurons) }
        if let rule = problem.model.spectralHead {
            e = rule.head(secondMoment: PopulationMoments(model: model, a: start.a, b: start.b).same)
        }
        if case .fixed(let count) = problem.data {
            var main = streams.main(step: 0)
            dataset = SGDFixedDataSet(model: model, samples: count, stream: &main)
            xi = .allocate(capacity: max(1, problem.batch * perSample * width))
        } else {
            dataset = nil
            xi = .allocate(capacity: 1)
        }
    }

    deinit {
        if emaRate != nil { wTarget.deallocate() }
        w.deallocate(); xi.deallocate(); u.deallocate(); u2.deallocate(); scratch.deallocate(); gradPerp.deallocate()
    }

    func step() throws(SGDStepFailure) -> Double {
        stepIndex += 1
        let n = layout.n
        // 1. The batch and the forward pass, chunk by chunk.
        if let dataset {
            var main = streams.main(step: stepIndex)
            dataset.fill(layout, noise: xi, a: w, target: emaRate == nil ? nil : UnsafePointer(wTarget), stream: &main)
        }
        let step = stepIndex
        pool.run(layout.chunks.count) { c in streams.run(self, chunk: c, step: step) }
        let (f1, f2) = layout.outputs()
        if spectral != nil { do { e = try spectral!.update(outputs: f1) } catch { throw .degenerate(error) } }
        let ev: BatchNormLossEvaluation
        do { ev = try loss.evaluate(online: f1, target: f2, head: e, throughTarget: throughTarget) } catch { throw .degenerate(error) }
        lastBatch = (f1, e)
        // 2. Backward: feature part along V; noise part Σ_i U_i ∘ ∂L/∂f_i, samples in order.
        var gradA = layout.featureGradient(online: ev.onlineGradient, a: w)
        gradPerp.update(repeating: 0, count: width * m)
        ev.onlineGradient.storage.withUnsafeBufferPointer { df in
            for i in 0..<n {
                for j in 0..<m {
                    let g = df[i * m + j], row = u + (i * m + j) * width
                    for c in 0..<width { gradPerp[c * m + j] += g * row[c] }
                }
            }
        }
        if let df2 = ev.targetGradient {
            gradA = gradA + layout.featureGradient(online: df2, a: w, view: 2)
            df2.storage.withUnsafeBufferPointer { df in
                for i in 0..<n {
                    for j in 0..<m {
                        let g = df[i * m + j], row = u2 + (i * m + j) * width
                        for c in 0..<width { gradPerp[c * m + j] += g * row[c] }
                    }
                }
            }
        }
        // 3. Update.
        var finite = true
        for i in 0..<(k * m) { w[i] -= lr * gradA.storage[i]; finite = finite && w[i].isFinite }
        let perp = w + k * m
        var sum = 0.0
        for i in 0..<(width * m) { perp[i] -= lr * gradPerp[i]; sum += perp[i] }
        if spectral == nil { head.sgdStep(&e, gradient: ev.gradE, mask: mask, rate: lrE) }
        if let c = emaRate { EMATarget.sgdStep(wTarget, toward: w, count: d * m, rate: c) }
        guard finite, sum.isFinite, e.isFinite else { throw .nonFiniteState }
        return ev.loss
    }

    /// Chunk `c`: its samples (drawn afresh online; set by `SGDFixedDataSet.fill` otherwise),
    /// each noise patch's `h = W_⊥ᵀ ξ`, the outputs and `U_i`.
    func work<S: RandomStream>(chunk c: Int, stream rng: inout S) {
        let perSample = layout.noisePerSample
        let wPerp = UnsafePointer(w + k * m), tPerp = UnsafePointer(wTarget + k * m)
        let patch = scratch + c * (width + m), h = patch + width
        let rowScale = dataset == nil ? sigma : 1
        for i in layout.chunks[c] {
            if dataset == nil { layout.drawSample(i, &rng, a: w, target: emaRate == nil ? nil : UnsafePointer(wTarget)) }
            let f1 = layout.f1 + i * m, f2 = layout.f2 + i * m, ui = u + i * m * width
            ui.update(repeating: 0, count: m * width)
            let u2i = u2 + i * m * width
            if throughTarget { u2i.update(repeating: 0, count: m * width) }
            let u1 = layout.noiseIn1[i]
            for p in 0..<perSample {
                let xiRow: UnsafePointer<Double>
                if dataset == nil {
                    rng.fillStandardNormal(patch, count: width)
                    if m != 2 { for q in 0..<width { patch[q] *= sigma } }
                    xiRow = UnsafePointer(patch)
                } else {
                    xiRow = UnsafePointer(xi + (i * perSample + p) * width)
                }
                if m == 2 {
                    // The common case, in registers: h = W_⊥ᵀ ξ, then U_i += ξ (3 h²)ᵀ.
                    // Online, the row holds ξ/σ_ξ (σ_ξ applied to h and to the coefficients instead).
                    var h0 = 0.0, h1 = 0.0
                    let wp = p < u1 ? wPerp : tPerp
                    for q in 0..<width { let x = xiRow[q]; h0 += x * wp[2 * q]; h1 += x * wp[2 * q + 1] }
                    h0 *= rowScale; h1 *= rowScale
                    if p < u1 {
                        f1[0] += h0 * h0 * h0; f1[1] += h1 * h1 * h1
                        let c0 = 3 * h0 * h0 * rowScale, c1 = 3 * h1 * h1 * rowScale, row0 = ui, row1 = ui + width
                        for q in 0..<width { let x = xiRow[q]; row0[q] += c0 * x; row1[q] += c1 * x }
                    } else {
                        f2[0] += h0 * h0 * h0; f2[1] += h1 * h1 * h1
                        if throughTarget {
                            let c0 = 3 * h0 * h0 * rowScale, c1 = 3 * h1 * h1 * rowScale, row0 = u2i, row1 = u2i + width
                            for q in 0..<width { let x = xiRow[q]; row0[q] += c0 * x; row1[q] += c1 * x }
                        }
                    }
                    continue
                }
                for j in 0..<m { h[j] = 0 }
                let wp = p < u1 ? wPerp : tPerp
                for q in 0..<width { let x = xiRow[q]; for j in 0..<m { h[j] += x * wp[q * m + j] } }
                if p < u1 {
                    for j in 0..<m {
                        let x = h[j], coef = 3 * x * x, row = ui + j * width
                        f1[j] += x * x * x
                        for q in 0..<width { row[q] += coef * xiRow[q] }
                    }
                } else {
                    for j in 0..<m { let x = h[j]; f2[j] += x * x * x }
                    if throughTarget {
                        for j in 0..<m {
                            let x = h[j], coef = 3 * x * x, row = u2i + j * width
                            for q in 0..<width { row[q] += coef * xiRow[q] }
                        }
                    }
                }
            }
        }
    }

    func reducedState() -> ReducedState { Self.reduced(w, k: k, m: m, width: width, e: e) }

    func targetState() -> ReducedState? {
        emaRate == nil ? nil : Self.reduced(wTarget, k: k, m: m, width: width, e: e)
    }

    /// `(A, R, E)` of the `d × m` weights `w`: `A` its first `k` rows, `R` a Gram factor of `W_⊥ᵀW_⊥`.
    private static func reduced(_ w: UnsafeMutablePointer<Double>, k: Int, m: Int, width: Int, e: Matrix) -> ReducedState {
        let a = Matrix(rows: k, cols: m, storage: Array(UnsafeBufferPointer(start: w, count: k * m)))
        var b = Matrix(rows: m, cols: m)
        b.storage.withUnsafeMutableBufferPointer { bp in
            LinearAlgebra.gemm(transA: true, m: m, n: m, k: width, a: w + k * m, lda: m, b: w + k * m, ldb: m,
                               c: bp.baseAddress!, ldc: m)
        }
        for i in 0..<m { for j in 0..<i { let s = 0.5 * (b[i, j] + b[j, i]); b[i, j] = s; b[j, i] = s } }
        let r = LinearAlgebra.gramFactor(b) ?? Matrix(rows: m, cols: m, repeating: .nan)
        return ReducedState(a: a, r: r, e: e)
    }

    /// `W_⊥ᵀ W_tg⊥` (`RᵀR_tg`, m×m): the joint Gram of the online and target noise parts (tests).
    var crossGram: Matrix {
        var g = Matrix(rows: m, cols: m)
        for q in 0..<width { for i in 0..<m { for j in 0..<m { g[i, j] += w[(k + q) * m + i] * wTarget[(k + q) * m + j] } } }
        return g
    }

    /// `W` as a `d × m` matrix (tests, the reference comparison).
    var weights: Matrix { Matrix(rows: d, cols: m, storage: Array(UnsafeBufferPointer(start: w, count: d * m))) }
}

/// A fixed data set for `--data fixed` (internal): per sample its feature `ℓ`,
/// sign `ε` and `P − s` noise patches (last `d − k` coordinates), drawn once.
/// Batches visit the samples epoch by epoch in a fresh random order; the mask
/// (which patches go to which view) is drawn afresh at every visit.
final class SGDFixedDataSet {
    let count: Int, perSample: Int, width: Int
    private var features: [Int], signs: [Double]
    private var noise: [Double]
    private var order: [Int]
    private var cursor: Int

    init(model: DataModel, samples: Int, stream rng: inout any RandomStream) {
        count = samples
        perSample = model.patches - model.featurePatches
        width = model.dimension - model.featureCount
        let law = InversionTable(weights: model.probabilities)
        features = (0..<samples).map { _ in law.draw(rng.uniform()) }
        signs = (0..<samples).map { _ in rng.uniform() < 0.5 ? 1 : -1 }
        noise = Array(repeating: 0, count: samples * perSample * width)
        noise.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count, sigma: model.noise) }
        order = Array(0..<samples)
        cursor = samples
    }

    /// Sets `layout`'s samples to the next `N` of the epoch order, draws their masks, and
    /// copies their noise rows into `out` (sample `i`'s rows at `i (P − s)`, its view-1 rows first).
    func fill(_ layout: SGDBatchLayout, noise out: UnsafeMutablePointer<Double>, a: UnsafePointer<Double>,
              target: UnsafePointer<Double>? = nil, stream rng: inout any RandomStream) {
        var picked = [Int](repeating: 0, count: layout.n)
        for i in 0..<layout.n {
            if cursor == count { shuffle(&rng); cursor = 0 }
            picked[i] = order[cursor]; cursor += 1
            layout.features[i] = features[picked[i]]; layout.signs[i] = signs[picked[i]]
            layout.drawCounts(i, &rng, a: a, target: target)
        }
        // The mask: which noise patches go to view 1 (uniform given the count).
        noise.withUnsafeBufferPointer { all in
            for i in 0..<layout.n {
                let base = all.baseAddress! + picked[i] * perSample * width
                let chosen = Set(rng.choose(layout.noiseIn1[i], from: perSample))
                var r1 = i * perSample, r2 = r1 + layout.noiseIn1[i]
                for p in 0..<perSample {
                    let dst: Int
                    if chosen.contains(p) { dst = r1; r1 += 1 } else { dst = r2; r2 += 1 }
                    (out + dst * width).update(from: base + p * width, count: width)
                }
            }
        }
    }

    private func shuffle(_ rng: inout any RandomStream) {
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.uniformInt(i + 1)) }
    }
}
