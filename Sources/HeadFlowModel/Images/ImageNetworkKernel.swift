import HeadFlowNumerics
import HeadFlowData

/// The image network's forward and backward passes in `T` (internal; `ImageNetwork` is the public face).
///
/// A batch of `N` images is split into chunks of `chunkImages` images — a partition fixed by `N` alone —
/// that the pool's threads take in any order. A chunk owns its rows: its images' view-1 patches (rows
/// `0 ..< n₁`) and then their view-2 patches (rows `n₁ ..< n₁ + n₂`); as every patch is in exactly one
/// view, `n₁ + n₂` is the chunk's `images·P` — masked-out (zero) patches are never multiplied. Per chunk,
/// OpenBLAS (one thread) forms `H = X W` (`W_tg` for view 2 under an EMA target) and, in the backward
/// pass, `G_c = X⁽¹⁾ᵀ Γ⁽¹⁾` (all rows with `Γ⁽²⁾` when the gradient flows through the target); the caller
/// sums the chunks' `G_c` in chunk order. The bits therefore do not depend on the number of threads.
///
/// Between the two passes the loss (`ImageBatchNorm`, float64, its `N × m × m` products through OpenBLAS)
/// reads the outputs `f1`, `f2` and writes `∂L/∂f` where the backward pass reads it: a step copies no
/// `N × m` matrix.
final class ImageNetworkKernel<T: BLASScalar & SIMDScalar>: @unchecked Sendable {
    /// Images per chunk **(choice: 32, about 512 rows of `X` for `P = 16`: the products stay in cache)**.
    static var chunkImages: Int { 32 }

    let patches: ImagePatches
    let m: Int, d: Int, count: Int
    let activation: ImageActivation
    let views: ImageViewRule
    let batch: Int
    /// `μ_k` (with 8 values of slack) and `1/s` in `T`.
    let meanPointer: UnsafeMutablePointer<T>
    let inverseScale: T
    /// Each patch's first pixel in an image (`ImagePatches.origin`).
    let origins: [Int]
    /// `W` (`d × m`, row-major), the target `W_tg` (nil: the online `W`), `∂L/∂W`.
    let w: UnsafeMutablePointer<T>
    var target: UnsafeMutablePointer<T>?
    let gradient: UnsafeMutablePointer<T>
    /// `f⁽¹⁾`, `f⁽²⁾` of the last batch (`N × m`, float64).
    let f1: UnsafeMutablePointer<Double>, f2: UnsafeMutablePointer<Double>
    /// The loss on `f1`, `f2` and its gradients `∂L/∂f⁽¹⁾`, `∂L/∂f⁽²⁾`, `∂L/∂E`.
    let loss: ImageBatchNorm
    /// The images of the last `forward` (the backward pass reads its chunks' rows only).
    private(set) var lastCount = 0
    /// The head `E` (row-major) whose `F = f⁽¹⁾ Eᵀ` the last `forward` formed in `loss.fHat`, if any.
    private var formedHead: [Double]?
    /// The backward pass has run on the last `forward`'s batch: the chunks' `H` now hold `Γ`.
    private var backwardDone = false
    let chunks: [ImageChunk<T>]
    let pool: WorkerPool

    init(patches: ImagePatches, neurons: Int, activation: ImageActivation, views: ImageViewRule,
         standardization: PixelStandardization, batch: Int, weights: Matrix, threads: Int) {
        precondition(weights.rows == patches.dimension && weights.cols == neurons, "ImageNetwork: W must be d×m")
        precondition(standardization.mean.count == patches.height * patches.width * patches.channels,
                     "ImageNetwork: μ must have one value per pixel")
        self.patches = patches
        m = neurons; d = patches.dimension; count = patches.count
        self.activation = activation; self.views = views; self.batch = batch
        let pixels = patches.height * patches.width * patches.channels
        meanPointer = .allocate(capacity: pixels + 8)
        meanPointer.initialize(repeating: 0, count: pixels + 8)
        for k in 0..<pixels { meanPointer[k] = T(standardization.mean[k]) }
        inverseScale = T(1 / standardization.scale)
        origins = (0..<patches.count).map { patches.origin($0) }
        w = .allocate(capacity: d * m)
        for i in 0..<(d * m) { w[i] = T(weights.storage[i]) }
        gradient = .allocate(capacity: d * m); gradient.initialize(repeating: 0, count: d * m)
        f1 = .allocate(capacity: max(1, batch * m)); f2 = .allocate(capacity: max(1, batch * m))
        loss = ImageBatchNorm(capacity: batch, m: neurons)
        let parts = (batch + Self.chunkImages - 1) / Self.chunkImages
        chunks = (0..<max(1, parts)).map { _ in
            ImageChunk<T>(images: Self.chunkImages, patches: patches.count, d: patches.dimension, m: neurons,
                          pixels: pixels, augments: views.augments)
        }
        pool = WorkerPool(threads: min(threads, chunks.count))
    }

    deinit {
        w.deallocate(); gradient.deallocate(); f1.deallocate(); f2.deallocate(); meanPointer.deallocate()
        target?.deallocate()
    }

    /// The chunks of a batch of `n` images: `⌈n / chunkImages⌉` consecutive ranges.
    func ranges(_ n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: Self.chunkImages).map { $0..<min($0 + Self.chunkImages, n) }
    }

    // MARK: - Forward

    /// `f⁽¹⁾`, `f⁽²⁾` (into `f1`, `f2`) of the images `indices` of `images`, their views drawn from the
    /// Philox streams of visits `visit, visit + 1, …` under `seed` (`ImageChunk.drawViews`). With a head
    /// `e` (`m × m`), each chunk's job also forms its rows of the loss's `F = f⁽¹⁾ Eᵀ`, which
    /// `lossAndBackward` then takes instead of forming `F` on one thread, if its head is `e` exactly.
    func forward(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64, head e: Matrix? = nil) {
        precondition(indices.count <= batch, "ImageNetwork: more images than the batch capacity")
        precondition(images.height == patches.height && images.width == patches.width && images.channels == patches.channels,
                     "ImageNetwork: the images do not have the network's geometry")
        precondition(e == nil || (e!.rows == m && e!.cols == m), "ImageNetwork: E must be m×m")
        lastCount = indices.count
        formedHead = nil
        backwardDone = false
        let n = indices.count, size = Self.chunkImages, m = self.m, f1 = self.f1, fHat = loss.fHat
        images.pixels.withUnsafeBufferPointer { px in
            indices.withUnsafeBufferPointer { idx in
                (e?.storage ?? []).withUnsafeBufferPointer { head in
                    let pixels = px.baseAddress!, order = idx.baseAddress!, head = e == nil ? nil : head.baseAddress
                    pool.run((n + size - 1) / size) { c in
                        let first = c * size, chunk = chunks[c], rows = min(size, n - first)
                        chunk.drawViews(self, pixels: pixels, indices: order + first, count: rows, visit: visit &+ UInt64(first), seed: seed)
                        forwardProducts(chunk, firstImage: first)
                        if let head {
                            BLAS.gemm(transB: true, m: rows, n: m, k: m, a: f1 + first * m, lda: m, b: head, ldb: m,
                                      c: fHat + first * m, ldc: m)
                        }
                    }
                }
            }
        }
        formedHead = e?.storage
    }

    /// `H = X W` for a chunk's rows (view 2 with `W_tg` when there is a target) and its images' outputs
    /// `f_j = Σ_p σ(H_pj)` into `f1`, `f2` from row `firstImage`.
    ///
    /// `H` is cleared first and the products add to it (`β = 1`): the same sums as `β = 0`, for which
    /// OpenBLAS clears `C` with a slower loop of its own (≈ 5% of a step).
    private func forwardProducts(_ chunk: ImageChunk<T>, firstImage: Int) {
        let n1 = chunk.viewRows.0, n2 = chunk.viewRows.1
        chunk.h.update(repeating: 0, count: (n1 + n2) * m)
        if let target {
            BLAS.gemm(m: n1, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, beta: 1, c: chunk.h, ldc: m)
            BLAS.gemm(m: n2, n: m, k: d, a: chunk.x + n1 * d, lda: d, b: target, ldb: m, beta: 1, c: chunk.h + n1 * m, ldc: m)
        } else {
            BLAS.gemm(m: n1 + n2, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, beta: 1, c: chunk.h, ldc: m)
        }
        for v in 0..<2 {
            let out = v == 0 ? f1 : f2
            for i in 0..<chunk.imageCount {
                let rows = chunk.rows(image: i, view: v)
                sumActivations(chunk.h + rows.lowerBound * m, rows: rows.count, into: out + (firstImage + i) * m)
            }
        }
    }

    /// `f_j = Σ_r σ(h_rj)` over `rows` consecutive rows of `m` pre-activations, `σ` in `T`, the sum in
    /// float64 from 0 in row order (8 coordinates at a time; each coordinate's arithmetic as one at a time).
    @inline(__always)
    private func sumActivations(_ h: UnsafeMutablePointer<T>, rows: Int, into f: UnsafeMutablePointer<Double>) {
        var j = 0
        while j + 8 <= m {
            var sum = SIMD8<Double>.zero
            var row = UnsafeRawPointer(h + j)
            for _ in 0..<rows {
                let t = row.loadUnaligned(as: SIMD8<T>.self)
                switch activation {
                case .cube: sum += SIMD8<Double>(t * t * t)
                case .relu: sum += SIMD8<Double>(t.replacing(with: 0, where: t .< 0))
                }
                row += m * MemoryLayout<T>.stride
            }
            UnsafeMutableRawPointer(f + j).storeBytes(of: sum, as: SIMD8<Double>.self)
            j += 8
        }
        while j < m {
            var sum = 0.0
            for r in 0..<rows {
                let t = h[r * m + j]
                switch activation {
                case .cube: sum += Double(t * t * t)
                case .relu: sum += Double(max(t, 0))
                }
            }
            f[j] = sum
            j += 1
        }
    }

    /// `f⁽¹⁾`, `f⁽²⁾` of the last batch as `N × m` matrices.
    var outputs: (online: Matrix, target: Matrix) {
        let n = lastCount * m
        return (Matrix(rows: lastCount, cols: m, storage: Array(UnsafeBufferPointer(start: f1, count: n))),
                Matrix(rows: lastCount, cols: m, storage: Array(UnsafeBufferPointer(start: f2, count: n))))
    }

    // MARK: - Loss

    /// The loss of the last batch's outputs with head `e` (`BatchNormLoss`'s, by `ImageBatchNorm`), then the
    /// backward pass (`gradient` = `∂L/∂W`) from the `∂L/∂f` it leaves; returns `L̂`, `∂L/∂E` (every entry)
    /// and `ρ̂`. `throughTarget` (stop-gradient off) needs the target `W` itself.
    ///
    /// `F = f⁽¹⁾ Eᵀ` (one product, unless `forward` formed it with this head) and the normalization (`O(N m)`)
    /// run on the caller; then the backward pass's jobs carry the other two products: each chunk's rows of
    /// `∂L/∂f⁽¹⁾ = (∂L/∂F) E` followed by its backward products, beside one more job forming
    /// `∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾`. Every product is fixed by the partition of the batch, so the bits do not
    /// depend on the number of threads; a step waits on the pool twice (forward, backward), as without the
    /// loss's products.
    ///
    /// - Throws: `DegenerateBatch` in `BatchNormLoss`'s order. A non-finite gradient is found after the
    ///   backward pass: `gradient` is then not finite, and the caller must not `descend`.
    func lossAndBackward(head e: Matrix, loss rule: BatchNormLoss, throughTarget: Bool) throws(DegenerateBatch)
        -> (loss: Double, gradE: Matrix, correlations: [Double]) {
        precondition(e.rows == m && e.cols == m, "ImageNetwork: E must be m×m")
        precondition(lastCount >= 1, "ImageNetwork: no batch to evaluate")
        precondition(!throughTarget || target == nil, "ImageNetwork: the gradient flows through the target only when W_tg = W")
        precondition(!backwardDone, "ImageNetwork: one backward pass per forward pass (it overwrites H with Γ)")
        let n = lastCount, m = self.m, size = Self.chunkImages, parts = (n + size - 1) / size
        let bn = loss, f1 = self.f1
        // `F` from `forward` holds for this head only, and only once: the normalization overwrites it with `F̂`.
        let formed = formedHead == e.storage
        formedHead = nil
        try bn.checkOutputs(n: n, online: f1, target: f2)
        let value = try e.storage.withUnsafeBufferPointer { (head: UnsafeBufferPointer<Double>) throws(DegenerateBatch) -> Double in
            let e = head.baseAddress!
            if !formed { BLAS.gemm(transB: true, m: n, n: m, k: m, a: f1, lda: m, b: e, ldb: m, c: bn.fHat, ldc: m) }
            let value = try bn.normalize(n: n, target: f2, loss: rule, throughTarget: throughTarget)
            let through: UnsafePointer<Double>? = throughTarget ? UnsafePointer(bn.df2) : nil
            backwardDone = true
            pool.run(parts + 1) { job in
                if job == 0 {
                    BLAS.gemm(transA: true, m: m, n: m, k: n, a: bn.dF, lda: m, b: f1, ldb: m, c: bn.gradE, ldc: m)
                    return
                }
                let c = job - 1, first = c * size, rows = min(size, n - first)
                BLAS.gemm(m: rows, n: m, k: m, a: bn.dF + first * m, lda: m, b: e, ldb: m, c: bn.df1 + first * m, ldc: m)
                backwardProducts(chunks[c], firstImage: first, online: bn.df1, target: through)
            }
            return value
        }
        sumChunkGradients(parts)
        try bn.checkGradients(n: n, throughTarget: throughTarget)
        return (value, Matrix(rows: m, cols: m, storage: Array(UnsafeBufferPointer(start: bn.gradE, count: m * m))),
                Array(UnsafeBufferPointer(start: bn.rho, count: m)))
    }

    // MARK: - Backward

    /// `∂L/∂W = Σ_c G_c` (into `gradient`) from `∂L/∂f⁽¹⁾` and, when the gradient flows through the target,
    /// `∂L/∂f⁽²⁾` (each `N × m`, the last batch's): `Γ_{r j} = σ'(H_{r j}) ∂L/∂f_j(image of row r)`.
    func backward(online df1: Matrix, target df2: Matrix?) {
        precondition(df1.rows == lastCount && df1.cols == m && (df2 == nil || df2!.rows == lastCount),
                     "ImageNetwork: ∂L/∂f must be N×m for the last batch")
        precondition(df2 == nil || target == nil, "ImageNetwork: the gradient flows through the target only when W_tg = W")
        precondition(!backwardDone, "ImageNetwork: one backward pass per forward pass (it overwrites H with Γ)")
        backwardDone = true
        let size = Self.chunkImages, parts = (lastCount + size - 1) / size
        df1.storage.withUnsafeBufferPointer { g1 in
            (df2?.storage ?? []).withUnsafeBufferPointer { g2 in
                let online = g1.baseAddress!, through = df2 == nil ? nil : g2.baseAddress!
                pool.run(parts) { c in
                    backwardProducts(chunks[c], firstImage: c * size, online: online, target: through)
                }
            }
        }
        sumChunkGradients(parts)
    }

    /// `gradient = 0 + G_0 + G_1 + …`, the first `parts` chunks' products in chunk order.
    private func sumChunkGradients(_ parts: Int) {
        let dm = d * m
        gradient.update(repeating: 0, count: dm)
        for c in 0..<parts {
            let g = chunks[c].g
            for i in 0..<dm { gradient[i] += g[i] }
        }
    }

    /// A chunk's `Γ` (over `H`, in place) and `G_c = Xᵀ Γ` over its view-1 rows (all rows with a target gradient).
    private func backwardProducts(_ chunk: ImageChunk<T>, firstImage: Int, online: UnsafePointer<Double>,
                                  target: UnsafePointer<Double>?) {
        for v in 0..<(target == nil ? 1 : 2) {
            let df = v == 0 ? online : target!
            for i in 0..<chunk.imageCount {
                let g = df + (firstImage + i) * m
                for j in 0..<m { chunk.gradient[j] = T(g[j]) }
                let rows = chunk.rows(image: i, view: v)
                chainRule(chunk.h + rows.lowerBound * m, rows: rows.count, chunk.gradient)
            }
        }
        let rows = chunk.viewRows.0 + (target == nil ? 0 : chunk.viewRows.1)
        BLAS.gemm(transA: true, m: d, n: m, k: rows, a: chunk.x, lda: d, b: chunk.h, ldb: m, c: chunk.g, ldc: m)
    }

    /// `h_rj ← σ'(h_rj) g_j` over `rows` consecutive rows of `m` (`g` already in `T`), 8 coordinates at a time.
    @inline(__always)
    private func chainRule(_ h: UnsafeMutablePointer<T>, rows: Int, _ g: UnsafePointer<T>) {
        var j = 0
        while j + 8 <= m {
            let gj = UnsafeRawPointer(g + j).loadUnaligned(as: SIMD8<T>.self)
            var row = UnsafeMutableRawPointer(h + j)
            for _ in 0..<rows {
                let t = row.loadUnaligned(as: SIMD8<T>.self)
                switch activation {
                case .cube: row.storeBytes(of: 3 * t * t * gj, as: SIMD8<T>.self)
                case .relu: row.storeBytes(of: SIMD8<T>.zero.replacing(with: gj, where: t .> 0), as: SIMD8<T>.self)
                }
                row += m * MemoryLayout<T>.stride
            }
            j += 8
        }
        while j < m {
            for r in 0..<rows {
                let t = h[r * m + j]
                switch activation {
                case .cube: h[r * m + j] = 3 * t * t * g[j]
                case .relu: h[r * m + j] = t > 0 ? g[j] : 0
                }
            }
            j += 1
        }
    }

    // MARK: - Parameters

    /// `W ← W − lr ∂L/∂W`; false when an entry of `W` is no longer finite.
    func descend(lr: Double) -> Bool {
        let step = T(lr)
        var finite = true
        for i in 0..<(d * m) { w[i] -= step * gradient[i]; finite = finite && w[i].isFinite }
        return finite
    }

    /// Starts a separate target `W_tg = W` (EMA), or drops it (`W_tg` is then `W`).
    func setTarget(_ on: Bool) {
        if on, target == nil {
            target = .allocate(capacity: d * m); target!.initialize(from: w, count: d * m)
        } else if !on, let t = target {
            t.deallocate(); target = nil
        }
    }

    /// `W_tg ← (1 − c) W_tg + c W`.
    func moveTarget(rate c: Double) {
        guard let tg = target else { return }
        let keep = T(1 - c), pull = T(c)
        for i in 0..<(d * m) { tg[i] = keep * tg[i] + pull * w[i] }
    }

    /// A `d × m` matrix in float64 from `T` storage.
    func matrix(_ p: UnsafePointer<T>) -> Matrix {
        Matrix(rows: d, cols: m, storage: (0..<(d * m)).map { Double(p[$0]) })
    }

    /// Sets `p` (`d × m`) from a float64 matrix (rounded to `T`).
    func set(_ p: UnsafeMutablePointer<T>, _ value: Matrix) {
        precondition(value.rows == d && value.cols == m, "ImageNetwork: W must be d×m")
        for i in 0..<(d * m) { p[i] = T(value.storage[i]) }
    }

    // MARK: - Whole images

    /// `f(X)` of every image of `images` with all its patches (no mask, no augmentation), `N × m` in float64:
    /// the images are split into the pool's chunks once (contiguous ranges, each run in sub-batches of
    /// `chunkImages` by one chunk's buffers).
    func representation(_ images: ImageSet) -> Matrix {
        precondition(images.height == patches.height && images.width == patches.width && images.channels == patches.channels,
                     "ImageNetwork: the images do not have the network's geometry")
        let n = images.count
        var out = Matrix(rows: n, cols: m)
        let parts = WorkerPool.partition(n, parts: chunks.count)
        images.pixels.withUnsafeBufferPointer { px in
            out.storage.withUnsafeMutableBufferPointer { o in
                let pixels = px.baseAddress!, result = o.baseAddress!
                pool.run(parts.count) { c in
                    let chunk = chunks[c]
                    for start in stride(from: parts[c].lowerBound, to: parts[c].upperBound, by: Self.chunkImages) {
                        let end = min(start + Self.chunkImages, parts[c].upperBound)
                        chunk.gatherWhole(self, pixels: pixels, images: start..<end)
                        let rows = (end - start) * count
                        chunk.h.update(repeating: 0, count: rows * m)
                        BLAS.gemm(m: rows, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, beta: 1, c: chunk.h, ldc: m)
                        for i in 0..<(end - start) {
                            sumActivations(chunk.h + i * count * m, rows: count, into: result + (start + i) * m)
                        }
                    }
                }
            }
        }
        return out
    }
}

extension ImageNetworkKernel where T == Double {
    /// The views `forward` would draw, laid out as `BatchObjective` reads them (see `ImageNetwork.sampleBatch`).
    func sampleBatch(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64) -> SampleBatch {
        let n = indices.count
        var x1 = Matrix(rows: n * count, cols: d), x2 = Matrix(rows: n * count, cols: d)
        var inView1 = [Int](repeating: 0, count: n)
        images.pixels.withUnsafeBufferPointer { px in
            indices.withUnsafeBufferPointer { idx in
                for (c, range) in ranges(n).enumerated() {
                    let chunk = chunks[c]
                    chunk.drawViews(self, pixels: px.baseAddress!, indices: idx.baseAddress! + range.lowerBound,
                                    count: range.count, visit: visit &+ UInt64(range.lowerBound), seed: seed)
                    for i in 0..<range.count {
                        let image = range.lowerBound + i
                        inView1[image] = chunk.rows(image: i, view: 0).count
                        for v in 0..<2 {
                            for r in chunk.rows(image: i, view: v) {
                                let target = (image * count + chunk.rowPatch[r]) * d
                                for k in 0..<d {
                                    if v == 0 { x1.storage[target + k] = chunk.x[r * d + k] } else { x2.storage[target + k] = chunk.x[r * d + k] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return SampleBatch(count: n, patches: count, view1: x1, view2: x2, features: indices.map { images.labels[$0] },
                           signs: Array(repeating: 1, count: n), featurePatchesInView1: inView1)
    }
}
