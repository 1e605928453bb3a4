/// The `full` SGD sampler: `W ∈ R^{d×m}` and every noise patch `ξ_p ∈ R^d`
/// are formed (internal).
///
/// Noise patches live in `span(V)^⊥`, so only their last `d − k` coordinates
/// are stored and multiply `W_⊥` (rows `k…d−1` of `W`): one batch costs two
/// `cblas_dgemm` of size `N(P−s) × (d−k) × m` — `H = Ξ W_⊥` for both views and
/// `∂L/∂W_⊥ = Ξ⁽¹⁾ᵀ Γ` — plus drawing `N(P−s)(d−k)` Gaussians (online data).
final class SGDFullSampler: SGDStepper {
    let model: DataModel
    let k: Int, m: Int, d: Int, width: Int
    let lr: Double, lrE: Double, sigma: Double
    private let mask: Matrix
    private let loss: BatchNormLoss
    private let layout: SGDBatchLayout
    private let source: RandomSource
    private let dataset: SGDFixedDataSet?
    /// `W` (d×m row-major): rows `0..<k` are `A`, rows `k..<d` are `W_⊥`.
    private let w: UnsafeMutablePointer<Double>
    private let xi: UnsafeMutablePointer<Double>
    private let h: UnsafeMutablePointer<Double>
    private let gamma: UnsafeMutablePointer<Double>
    private let gradPerp: UnsafeMutablePointer<Double>
    private var e: Matrix

    /// Starts from `W(0) = V A(0) + U R(0)`, `U` the first `m` noise coordinates.
    init(problem: TrainingProblem) {
        model = problem.model
        k = model.featureCount; m = problem.neurons; d = model.dimension; width = d - k
        lr = problem.lr; lrE = problem.lrE; sigma = model.noise
        mask = problem.head.trainableMask(neurons: m)
        loss = BatchNormLoss(epsilon: problem.epsilon)
        source = RandomSource(seed: problem.dataSeed)
        layout = SGDBatchLayout(model: model, batch: problem.batch, neurons: m, source: source)
        let rows = problem.batch * (model.patches - model.featurePatches)
        w = .allocate(capacity: d * m); w.initialize(repeating: 0, count: d * m)
        xi = .allocate(capacity: max(1, rows * width))
        h = .allocate(capacity: max(1, rows * m))
        gamma = .allocate(capacity: max(1, rows * m))
        gradPerp = .allocate(capacity: width * m)
        let start = problem.start
        for i in 0..<(k * m) { w[i] = start.a.storage[i] }
        for q in 0..<m { for j in 0..<m { w[(k + q) * m + j] = start.r[q, j] } }
        e = start.e
        if case .fixed(let count) = problem.data {
            dataset = SGDFixedDataSet(model: model, samples: count, source: source)
        } else {
            dataset = nil
        }
    }

    deinit { w.deallocate(); xi.deallocate(); h.deallocate(); gamma.deallocate(); gradPerp.deallocate() }

    func step() throws(SGDStepFailure) -> Double {
        // 1. The batch: counts, then the noise rows of view 1 and view 2.
        if let dataset {
            dataset.fill(layout, noise: xi, source: source)
        } else {
            layout.drawFresh(source)
            source.fillGaussian(xi, count: layout.totalRows * width, sigma: sigma)
        }
        let rows = layout.totalRows, rows1 = layout.rows1
        let wPerp = UnsafePointer(w + k * m)
        // 2. Forward: H = Ξ W_⊥ for both views at once.
        LinearAlgebra.gemm(m: rows, n: m, k: width, a: xi, lda: width, b: wPerp, ldb: m, c: h, ldc: m)
        let f1 = layout.outputs(view: 1, h: h, a: w), f2 = layout.outputs(view: 2, h: h, a: w)
        let ev: BatchNormLossEvaluation
        do { ev = try loss.evaluate(online: f1, target: f2, head: e) } catch { throw .degenerate(error) }
        // 3. Backward: feature part along V, noise part Ξ⁽¹⁾ᵀ Γ.
        let gradA = layout.featureGradient(online: ev.onlineGradient, a: w)
        layout.noiseRowGradients(online: ev.onlineGradient, h: h, into: gamma)
        LinearAlgebra.gemm(transA: true, m: width, n: m, k: rows1, a: xi, lda: width, b: gamma, ldb: m,
                           c: gradPerp, ldc: m)
        // 4. Update.
        var finite = true
        for i in 0..<(k * m) { w[i] -= lr * gradA.storage[i]; finite = finite && w[i].isFinite }
        let perp = w + k * m
        var sum = 0.0
        for i in 0..<(width * m) { perp[i] -= lr * gradPerp[i]; sum += perp[i] }
        Self.updateHead(&e, gradient: ev.gradE, mask: mask, rate: lrE)
        guard finite, sum.isFinite, e.isFinite else { throw .nonFiniteState }
        return ev.loss
    }

    func reducedState() -> ReducedState {
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

    init(model: DataModel, samples: Int, source: RandomSource) {
        count = samples
        perSample = model.patches - model.featurePatches
        width = model.dimension - model.featureCount
        let law = source.discreteSampler(model.probabilities)
        features = (0..<samples).map { _ in source.draw(law) }
        signs = (0..<samples).map { _ in source.coin() ? 1 : -1 }
        noise = Array(repeating: 0, count: samples * perSample * width)
        noise.withUnsafeMutableBufferPointer { source.fillGaussian($0.baseAddress!, count: $0.count, sigma: model.noise) }
        order = Array(0..<samples)
        cursor = samples
    }

    /// Fills `layout` and the noise rows for the next `N` samples of the epoch order.
    func fill(_ layout: SGDBatchLayout, noise out: UnsafeMutablePointer<Double>, source: RandomSource) {
        var picked = [Int](repeating: 0, count: layout.n)
        for i in 0..<layout.n {
            if cursor == count { shuffle(source); cursor = 0 }
            picked[i] = order[cursor]; cursor += 1
            layout.features[i] = features[picked[i]]; layout.signs[i] = signs[picked[i]]
        }
        // The mask: which noise patches go to view 1 (a fair coin each, given the count).
        layout.drawMasks(source)
        noise.withUnsafeBufferPointer { all in
            for i in 0..<layout.n {
                let base = all.baseAddress! + picked[i] * perSample * width
                let chosen = Set(source.choose(layout.noiseIn1[i], from: perSample))
                var r1 = layout.offsets1[i], r2 = layout.offsets2[i]
                for p in 0..<perSample {
                    let dst: Int
                    if chosen.contains(p) { dst = r1; r1 += 1 } else { dst = r2; r2 += 1 }
                    (out + dst * width).update(from: base + p * width, count: width)
                }
            }
        }
    }

    private func shuffle(_ source: RandomSource) {
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, source.uniformInt(i + 1)) }
    }
}
