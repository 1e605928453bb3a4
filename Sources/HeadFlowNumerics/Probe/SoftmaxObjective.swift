import RealModule

/// The penalised cross-entropy `L` of `SoftmaxRegression` on fixed data and its gradient,
///
///     L(θ) = (1/N) Σ_i [log Σ_k exp z_ik − z_{i,y_i}] + (λ/2) ‖W‖_F²,   Z = X·W + 1·bᵀ,
///     ∇_W L = (1/N) Xᵀ·(P − Y) + λ W,   ∇_b L = (1/N) (P − Y)ᵀ·1,
///
/// with the two matrix products `X·W` and `Xᵀ·(P − Y)` computed by OpenBLAS (`BLAS.gemm`, float64).
///
/// The examples are read in blocks of `blockRows` rows; a block is standardised into a scratch of
/// `blockRows × m` values when a `FeatureStandardiser` is given (or the examples are a subset of the
/// matrix's rows), else read in place. So memory is the caller's matrix plus `O(blockRows · m)` per
/// thread, whatever N (60,000 × 784 raw pixels: no copy of the 376 MB). Each of a fixed number of
/// chunks of blocks (a partition fixed by N, never by the number of threads) accumulates its loss and
/// `Xᵀ(P − Y)` block after block; the chunks' sums are added in chunk order. OpenBLAS runs on one
/// thread, so a product's bits depend only on its operands: an evaluation gives the same bits on any
/// number of threads. It agrees with the plain loops of `reference` to rounding (about 10⁻¹⁵ relative),
/// not bit for bit: BLAS adds in its own order. A pass computes `L` and `∇L` together and keeps them
/// for its θ (`evaluate`). Cost at N = 54,000, K = 10: about 130 ms of CPU per pass for m = 784 (raw
/// pixels), 15 ms for m = 64.
///
/// Edge cases: N = 0 gives `L = (λ/2)‖W‖²`; m = 0 fits the biases alone.
public final class SoftmaxObjective: @unchecked Sendable {
    /// Rows per block by default (larger blocks, up to 4,096 rows, are no faster at m = 64 or 784).
    public static let defaultBlockRows = 256
    /// Rows per block.
    public let blockRows: Int
    /// The most chunks of blocks (each with its own partial sums).
    static let maxChunks = 32
    /// Number of examples N.
    public let count: Int
    /// Number of features m.
    public let features: Int
    /// `K`.
    public let classes: Int
    /// `λ`.
    public let penalty: Double
    private let x: Matrix                       // the caller's rows (shared storage, never copied)
    private let rows: [Int]?                    // the examples' rows of `x`, in order (nil: every row)
    private let standardiser: FeatureStandardiser?
    private let labels: [Int]                   // one per example
    private let chunks: [Range<Int>]            // ranges of blocks
    private let pool: WorkerPool
    private var weights: [Double]               // W as m×K row-major, then the K biases
    private var partialGradients: [[Double]]    // per chunk, laid out as `weights`
    private var partialLosses: [Double]
    private var cachedTheta: [UInt64] = []      // bit patterns of the θ of the last pass
    private var cachedLoss = Double.nan
    private var cachedGradient: [Double]
    /// Passes over the examples so far (each computes `L` and `∇L` together).
    private(set) var passes = 0

    /// The objective on the rows of `x` (N×m, used as given) with `labels` in `0..<classes` and
    /// penalty `λ`, evaluated on `threads` threads.
    public convenience init(_ x: Matrix, labels: [Int], classes: Int, penalty: Double, threads: Int = 1) {
        self.init(x, rows: nil, standardiser: nil, labels: labels, classes: classes, penalty: penalty, threads: threads)
    }

    /// The objective on the examples `standardiser.apply(x)[rows]` (all rows when `rows` is nil; raw
    /// rows when `standardiser` is nil), without materialising them; `labels` has one entry per example.
    init(_ x: Matrix, rows: [Int]?, standardiser: FeatureStandardiser?, labels: [Int], classes: Int, penalty: Double,
         threads: Int = 1, blockRows: Int? = nil) {
        let n = rows?.count ?? x.rows
        precondition(labels.count == n, "SoftmaxObjective: one label per row")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "SoftmaxObjective: labels in 0..<classes")
        precondition(rows?.allSatisfy { (0..<x.rows).contains($0) } ?? true, "SoftmaxObjective: rows of x")
        precondition(standardiser.map { $0.mean.count == x.cols } ?? true, "SoftmaxObjective: standardiser width")
        count = n; features = x.cols; self.classes = classes; self.penalty = penalty
        self.x = x; self.rows = rows; self.standardiser = standardiser; self.labels = labels
        self.blockRows = blockRows ?? Self.defaultBlockRows
        precondition(self.blockRows >= 1, "SoftmaxObjective: blockRows ≥ 1")
        let blocks = (n + self.blockRows - 1) / self.blockRows
        chunks = WorkerPool.partition(blocks, parts: min(Self.maxChunks, blocks))
        pool = WorkerPool(threads: min(threads, chunks.count))
        let size = classes * (x.cols + 1)
        weights = [Double](repeating: 0, count: size)
        partialGradients = [[Double]](repeating: [Double](repeating: 0, count: size), count: chunks.count)
        partialLosses = [Double](repeating: 0, count: chunks.count)
        cachedGradient = [Double](repeating: 0, count: size)
    }

    /// `L(θ)`, and `∇L(θ)` into `gradient` when it is non-nil (θ laid out as `SoftmaxRegression.parameters`).
    ///
    /// Every pass over the examples computes both, and keeps them for the θ it was made at: GSL's line
    /// search asks for `L` at a trial point and then, if the point passes its sufficient-decrease test,
    /// for `∇L` at the same point, which the kept values answer without a second pass. A value served
    /// from this cache has the bits a fresh pass would give (the pass is deterministic).
    public func evaluate(_ theta: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?) -> Double {
        let m = features, kk = classes, stride = m + 1
        precondition(theta.count == kk * stride && (gradient?.count ?? theta.count) == theta.count, "SoftmaxObjective: θ size")
        if !theta.elementsEqual(cachedTheta, by: { $0.bitPattern == $1 }) {
            cachedLoss = pass(theta)
            cachedTheta = theta.map(\.bitPattern)
        }
        if let gradient { for i in 0..<gradient.count { gradient[i] = cachedGradient[i] } }
        return cachedLoss
    }

    /// One pass over the examples at θ: returns `L(θ)` and leaves `∇L(θ)` in `cachedGradient`.
    private func pass(_ theta: UnsafeBufferPointer<Double>) -> Double {
        let m = features, kk = classes, stride = m + 1, n = count
        passes += 1
        cachedTheta = []  // invalid until the pass is complete
        for k in 0..<kk {
            for j in 0..<m { weights[j * kk + k] = theta[k * stride + j] }
            weights[m * kk + k] = theta[k * stride + m]
        }
        pool.run(chunks.count) { c in self.accumulate(chunk: c) }
        var loss = 0.0
        for c in 0..<chunks.count { loss += partialLosses[c] }
        let scale = n > 0 ? 1 / Double(n) : 0
        var penaltyTerm = 0.0
        for k in 0..<kk { for j in 0..<m { penaltyTerm += theta[k * stride + j] * theta[k * stride + j] } }
        for k in 0..<kk {
            for j in 0...m {
                var g = 0.0
                for c in 0..<chunks.count { g += partialGradients[c][j * kk + k] }
                cachedGradient[k * stride + j] = g * scale + (j < m ? penalty * theta[k * stride + j] : 0)
            }
        }
        return loss * scale + 0.5 * penalty * penaltyTerm
    }

    /// The unscaled loss and gradient sums of chunk `c` (a range of blocks) into its own slots.
    private func accumulate(chunk c: Int) {
        let m = features, kk = classes, bb = blockRows
        let inPlace = rows == nil && standardiser == nil
        // Scratch for one block: its standardised rows (unless read in place), and Z, then P − Y.
        let block = UnsafeMutablePointer<Double>.allocate(capacity: inPlace ? 1 : max(1, bb * m))
        let z = UnsafeMutablePointer<Double>.allocate(capacity: bb * kk)
        defer { block.deallocate(); z.deallocate() }
        var loss = 0.0
        partialGradients[c].withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] = 0 }
            weights.withUnsafeBufferPointer { w in
                x.storage.withUnsafeBufferPointer { xs in
                    for b in chunks[c] {
                        let first = b * bb, size = min(bb, count - first)
                        let xb: UnsafePointer<Double>
                        if m == 0 {
                            xb = UnsafePointer(block)  // read by no product
                        } else if inPlace {
                            xb = xs.baseAddress! + first * m
                        } else {
                            for r in 0..<size {
                                let i = rows?[first + r] ?? first + r, out = block + r * m
                                if let standardiser {
                                    standardiser.apply(row: xs.baseAddress! + i * m, into: out)
                                } else {
                                    for j in 0..<m { out[j] = xs[i * m + j] }
                                }
                            }
                            xb = UnsafePointer(block)
                        }
                        // Z = 1·bᵀ + X_b·W.
                        for r in 0..<size { for k in 0..<kk { z[r * kk + k] = w[m * kk + k] } }
                        BLAS.gemm(m: size, n: kk, k: m, a: xb, lda: m, b: w.baseAddress!, ldb: kk, beta: 1, c: z, ldc: kk)
                        // Per row: −log p_y = log Σ_k exp(z_k − top) − (z_y − top); then p − e_y in place.
                        for r in 0..<size {
                            let zr = z + r * kk
                            var top = zr[0]
                            for k in 1..<kk where zr[k] > top { top = zr[k] }
                            let y = labels[first + r], margin = zr[y] - top
                            var total = 0.0
                            for k in 0..<kk { let e = Double.exp(zr[k] - top); zr[k] = e; total += e }
                            loss += Double.log(total) - margin
                            let inverse = 1 / total
                            for k in 0..<kk { zr[k] *= inverse }
                            zr[y] -= 1
                        }
                        // ∂/∂W += X_bᵀ·(P − Y)_b; ∂/∂b += (P − Y)_bᵀ·1.
                        BLAS.gemm(transA: true, m: m, n: kk, k: size, a: xb, lda: m, b: z, ldb: kk, beta: 1,
                                  c: g.baseAddress!, ldc: kk)
                        for r in 0..<size { for k in 0..<kk { g[m * kk + k] += z[r * kk + k] } }
                    }
                }
            }
        }
        partialLosses[c] = loss
    }
}
