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
final class ImageNetworkKernel<T: BLASScalar>: @unchecked Sendable {
    /// Images per chunk **(choice: 32, about 512 rows of `X` for `P = 16`: the products stay in cache)**.
    static var chunkImages: Int { 32 }

    let patches: ImagePatches
    let m: Int, d: Int, count: Int
    let activation: ImageActivation
    let views: ImageViewRule
    let batch: Int
    /// `μ_k` and `1/s` in `T`.
    let mean: [T]
    let inverseScale: T
    /// Each patch's first pixel in an image (`ImagePatches.origin`).
    let origins: [Int]
    /// `W` (`d × m`, row-major), the target `W_tg` (nil: the online `W`), `∂L/∂W`.
    let w: UnsafeMutablePointer<T>
    var target: UnsafeMutablePointer<T>?
    let gradient: UnsafeMutablePointer<T>
    /// `f⁽¹⁾`, `f⁽²⁾` of the last batch (`N × m`, float64).
    let f1: UnsafeMutablePointer<Double>, f2: UnsafeMutablePointer<Double>
    /// The images of the last `forward` (the backward pass reads its chunks' rows only).
    private(set) var lastCount = 0
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
        mean = standardization.mean.map { T($0) }
        inverseScale = T(1 / standardization.scale)
        origins = (0..<patches.count).map { patches.origin($0) }
        w = .allocate(capacity: d * m)
        for i in 0..<(d * m) { w[i] = T(weights.storage[i]) }
        gradient = .allocate(capacity: d * m); gradient.initialize(repeating: 0, count: d * m)
        f1 = .allocate(capacity: max(1, batch * m)); f2 = .allocate(capacity: max(1, batch * m))
        let parts = (batch + Self.chunkImages - 1) / Self.chunkImages
        let pixels = patches.height * patches.width * patches.channels
        chunks = (0..<max(1, parts)).map { _ in
            ImageChunk<T>(images: Self.chunkImages, patches: patches.count, d: patches.dimension, m: neurons,
                          pixels: pixels, augments: views.augments)
        }
        pool = WorkerPool(threads: min(threads, chunks.count))
    }

    deinit {
        w.deallocate(); gradient.deallocate(); f1.deallocate(); f2.deallocate()
        target?.deallocate()
    }

    /// The chunks of a batch of `n` images: `⌈n / chunkImages⌉` consecutive ranges.
    func ranges(_ n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: Self.chunkImages).map { $0..<min($0 + Self.chunkImages, n) }
    }

    // MARK: - Forward

    /// `f⁽¹⁾`, `f⁽²⁾` (into `f1`, `f2`) of the images `indices` of `images`, their views drawn from the
    /// Philox streams of visits `visit, visit + 1, …` under `seed` (`ImageChunk.drawViews`).
    func forward(_ images: ImageSet, indices: [Int], visit: UInt64, seed: UInt64) {
        precondition(indices.count <= batch, "ImageNetwork: more images than the batch capacity")
        precondition(images.height == patches.height && images.width == patches.width && images.channels == patches.channels,
                     "ImageNetwork: the images do not have the network's geometry")
        lastCount = indices.count
        let parts = ranges(indices.count)
        images.pixels.withUnsafeBufferPointer { px in
            indices.withUnsafeBufferPointer { idx in
                let pixels = px.baseAddress!, order = idx.baseAddress!
                pool.run(parts.count) { c in
                    let range = parts[c], chunk = chunks[c]
                    chunk.drawViews(self, pixels: pixels, indices: order + range.lowerBound, count: range.count,
                                    visit: visit &+ UInt64(range.lowerBound), seed: seed)
                    forwardProducts(chunk, firstImage: range.lowerBound)
                }
            }
        }
    }

    /// `H = X W` for a chunk's rows (view 2 with `W_tg` when there is a target) and its images' outputs
    /// `f_j = Σ_p σ(H_pj)` into `f1`, `f2` from row `firstImage`.
    private func forwardProducts(_ chunk: ImageChunk<T>, firstImage: Int) {
        let n1 = chunk.viewRows.0, n2 = chunk.viewRows.1
        if let target {
            BLAS.gemm(m: n1, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, c: chunk.h, ldc: m)
            BLAS.gemm(m: n2, n: m, k: d, a: chunk.x + n1 * d, lda: d, b: target, ldb: m, c: chunk.h + n1 * m, ldc: m)
        } else {
            BLAS.gemm(m: n1 + n2, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, c: chunk.h, ldc: m)
        }
        for v in 0..<2 {
            let out = v == 0 ? f1 : f2
            for i in 0..<chunk.imageCount {
                let rows = chunk.rows(image: i, view: v), f = out + (firstImage + i) * m
                for j in 0..<m { f[j] = 0 }
                for r in rows { sumActivations(chunk.h + r * m, into: f) }
            }
        }
    }

    /// `f_j += σ(h_j)`, `j < m`, accumulated in `T`.
    @inline(__always)
    private func sumActivations(_ h: UnsafeMutablePointer<T>, into f: UnsafeMutablePointer<Double>) {
        switch activation {
        case .cube: for j in 0..<m { let t = h[j]; f[j] += Double(t * t * t) }
        case .relu: for j in 0..<m { f[j] += Double(max(h[j], 0)) }
        }
    }

    /// `f⁽¹⁾`, `f⁽²⁾` of the last batch as `N × m` matrices.
    var outputs: (online: Matrix, target: Matrix) {
        let n = lastCount * m
        return (Matrix(rows: lastCount, cols: m, storage: Array(UnsafeBufferPointer(start: f1, count: n))),
                Matrix(rows: lastCount, cols: m, storage: Array(UnsafeBufferPointer(start: f2, count: n))))
    }

    // MARK: - Backward

    /// `∂L/∂W = Σ_c G_c` (into `gradient`) from `∂L/∂f⁽¹⁾` and, when the gradient flows through the target,
    /// `∂L/∂f⁽²⁾` (each `N × m`, the last batch's): `Γ_{r j} = σ'(H_{r j}) ∂L/∂f_j(image of row r)`.
    func backward(online df1: Matrix, target df2: Matrix?) {
        precondition(df1.rows == lastCount && df1.cols == m && (df2 == nil || df2!.rows == lastCount),
                     "ImageNetwork: ∂L/∂f must be N×m for the last batch")
        precondition(df2 == nil || target == nil, "ImageNetwork: the gradient flows through the target only when W_tg = W")
        let parts = ranges(lastCount)
        df1.storage.withUnsafeBufferPointer { g1 in
            (df2?.storage ?? []).withUnsafeBufferPointer { g2 in
                let online = g1.baseAddress!, through = df2 == nil ? nil : g2.baseAddress!
                pool.run(parts.count) { c in
                    backwardProducts(chunks[c], firstImage: parts[c].lowerBound, online: online, target: through)
                }
            }
        }
        gradient.update(repeating: 0, count: d * m)
        for c in 0..<parts.count {
            let g = chunks[c].g
            for i in 0..<(d * m) { gradient[i] += g[i] }
        }
    }

    /// A chunk's `Γ` (over `H`, in place) and `G_c = Xᵀ Γ` over its view-1 rows (all rows with a target gradient).
    private func backwardProducts(_ chunk: ImageChunk<T>, firstImage: Int, online: UnsafePointer<Double>,
                                  target: UnsafePointer<Double>?) {
        for v in 0..<(target == nil ? 1 : 2) {
            let df = v == 0 ? online : target!
            for i in 0..<chunk.imageCount {
                let g = df + (firstImage + i) * m
                for r in chunk.rows(image: i, view: v) { chainRule(chunk.h + r * m, g) }
            }
        }
        let rows = chunk.viewRows.0 + (target == nil ? 0 : chunk.viewRows.1)
        BLAS.gemm(transA: true, m: d, n: m, k: rows, a: chunk.x, lda: d, b: chunk.h, ldb: m, c: chunk.g, ldc: m)
    }

    /// `h_j ← σ'(h_j) g_j`, `j < m`.
    @inline(__always)
    private func chainRule(_ h: UnsafeMutablePointer<T>, _ g: UnsafePointer<Double>) {
        switch activation {
        case .cube: for j in 0..<m { let t = h[j]; h[j] = 3 * t * t * T(g[j]) }
        case .relu: for j in 0..<m { h[j] = h[j] > 0 ? T(g[j]) : 0 }
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
                        BLAS.gemm(m: rows, n: m, k: d, a: chunk.x, lda: d, b: w, ldb: m, c: chunk.h, ldc: m)
                        for i in 0..<(end - start) {
                            let f = result + (start + i) * m
                            for p in 0..<count { sumActivations(chunk.h + (i * count + p) * m, into: f) }
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
