import RealModule

/// The weighted k-nearest-neighbour classifier of SSL evaluations (Wu et al. 2018), as solo-learn
/// computes it (`solo/utils/knn.py`, `WeightedKNNClassifier.compute`, github.com/vturrisi/solo-learn):
/// rows are L2-normalised (`F.normalize`, norm floored at 10⁻¹²), the `k` training rows of largest
/// cosine similarity `s` to a test row vote for their labels with weight `exp(s/T)`, and the class
/// with the largest total wins (top-1). Defaults `k = 20`, `T = 0.07`, as solo-learn's; `k` is cut
/// to the number of training rows.
///
/// Similarities are computed in `Float` (as solo-learn's float32 `torch.mm`) by OpenBLAS's `sgemm`
/// (`BLAS.gemm`), a block of `queryBlock` test rows against a tile of `tileRows` training rows at a
/// time, each tile's similarities scanned into a running top-`k` list per test row; the votes in
/// `Double`. The normalised training rows are kept as `Float` (60,000 × 784 pixels: 188 MB), the
/// similarities never in full (one `queryBlock × tileRows` tile per thread, 1 MB). Ties: among equal
/// similarities the earlier training row is kept, among equal votes the lower class wins (torch's
/// order on ties is unspecified). OpenBLAS runs on one thread and the blocks are fixed by the test
/// set's size, so the predictions have the same bits on any number of threads. They equal those of
/// the plain loops of `reference` (similarities in `Double`) except where two similarities near the
/// k-th are within float rounding (≈ 10⁻⁷) of each other, or two classes' votes are.
public struct WeightedKNN: Sendable, Equatable {
    /// Neighbours that vote, `k`.
    public var neighbours: Int
    /// Temperature `T` of the vote weights `exp(s/T)`.
    public var temperature: Double
    /// Threads over blocks of test rows.
    public var threads: Int

    /// A classifier with `k` neighbours (≥ 1) and temperature `T` (> 0).
    public init(neighbours: Int = 20, temperature: Double = 0.07, threads: Int = WorkerPool.coreCount) {
        precondition(neighbours >= 1 && temperature > 0, "WeightedKNN: k ≥ 1, T > 0")
        self.neighbours = neighbours; self.temperature = temperature; self.threads = threads
    }

    /// The fraction of `test` rows whose predicted class is their label (NaN with no test rows).
    public func accuracy(train: Matrix, trainLabels: [Int], test: Matrix, testLabels: [Int]) -> Double {
        SoftmaxRegression.accuracy(predict(train: train, trainLabels: trainLabels, test: test), testLabels)
    }

    /// Test rows per block (the unit of work of a thread).
    static let queryBlock = 64
    /// Training rows per tile of similarities.
    static let tileRows = 4096

    /// The predicted class of each row of `test`, from `train` (N×m, labels ≥ 0; N ≥ 1) with the same m.
    public func predict(train: Matrix, trainLabels: [Int], test: Matrix) -> [Int] {
        precondition(train.cols == test.cols, "WeightedKNN: train and test features differ in width")
        precondition(trainLabels.count == train.rows && train.rows >= 1, "WeightedKNN: one label per training row, at least one")
        let m = train.cols, n = train.rows
        let bank = Self.normalisedRows(train), queries = Self.normalisedRows(test)
        let k = min(neighbours, n)
        let classes = (trainLabels.max() ?? 0) + 1
        let blocks = WorkerPool.partition(test.rows, parts: (test.rows + Self.queryBlock - 1) / Self.queryBlock)
        let pool = WorkerPool(threads: min(threads, blocks.count))
        let perBlock: [[Int]] = pool.map(blocks.count) { b in
            let rows = blocks[b], tile = min(Self.tileRows, n)
            var topSimilarity = [Float](repeating: -.infinity, count: rows.count * k)
            var topIndex = [Int](repeating: -1, count: rows.count * k)
            var similarity = [Float](repeating: 0, count: rows.count * tile)
            bank.withUnsafeBufferPointer { t in
                queries.withUnsafeBufferPointer { q in
                    similarity.withUnsafeMutableBufferPointer { s in
                        for first in stride(from: 0, to: n, by: tile) {
                            let width = min(tile, n - first)
                            // s[slot, c] = ⟨q_i, t_{first+c}⟩ for the block's rows i and the tile's rows.
                            BLAS.gemm(transB: true, m: rows.count, n: width, k: m, a: q.baseAddress! + rows.lowerBound * m,
                                      lda: max(m, 1), b: t.baseAddress! + first * m, ldb: max(m, 1),
                                      c: s.baseAddress!, ldc: width)
                            for slot in 0..<rows.count {
                                let base = slot * k, sims = s.baseAddress! + slot * width
                                var threshold = topSimilarity[base + k - 1]
                                for c in 0..<width where sims[c] > threshold {
                                    Self.insert(sims[c], index: first + c, into: &topSimilarity, &topIndex, base: base, k: k)
                                    threshold = topSimilarity[base + k - 1]
                                }
                            }
                        }
                    }
                }
            }
            return (0..<rows.count).map { slot in
                vote(similarities: topSimilarity[(slot * k)..<((slot + 1) * k)].map { Double($0) },
                     labels: topIndex[(slot * k)..<((slot + 1) * k)].map { trainLabels[$0] }, classes: classes)
            }
        }
        return perBlock.flatMap { $0 }
    }

    /// Puts similarity `s` of training row `index` into the descending list `similarity[base..<base+k]`
    /// (with `indices`), after any equal value already there, dropping the last entry.
    @inline(__always)
    static func insert(_ s: Float, index: Int, into similarity: inout [Float], _ indices: inout [Int], base: Int, k: Int) {
        var p = k - 1
        while p > 0 && similarity[base + p - 1] < s {
            similarity[base + p] = similarity[base + p - 1]; indices[base + p] = indices[base + p - 1]; p -= 1
        }
        similarity[base + p] = s; indices[base + p] = index
    }

    /// The class with the largest `Σ exp(s/T)` over the neighbours (similarities `s`, their `labels`),
    /// the lower class on a tie.
    func vote(similarities: [Double], labels: [Int], classes: Int) -> Int {
        var votes = [Double](repeating: 0, count: classes)
        for (s, label) in zip(similarities, labels) { votes[label] += Double.exp(s / temperature) }
        var best = 0
        for c in 1..<max(classes, 1) where votes[c] > votes[best] { best = c }
        return best
    }

    /// The rows of `x` divided by their norms (floored at 10⁻¹²) as `Float`, row-major, with one
    /// trailing 0 (so that the storage of an empty matrix still has an address).
    static func normalisedRows(_ x: Matrix) -> [Float] {
        let m = x.cols
        var out = [Float](repeating: 0, count: x.rows * m + 1)
        for i in 0..<x.rows {
            var norm = 0.0
            for j in 0..<m { norm += x[i, j] * x[i, j] }
            let inverse = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<m { out[i * m + j] = Float(x[i, j] * inverse) }
        }
        return out
    }
}
