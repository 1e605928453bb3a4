import RealModule

/// The weighted k-nearest-neighbour classifier of SSL evaluations (Wu et al. 2018), as solo-learn
/// computes it (`solo/utils/knn.py`, `WeightedKNNClassifier.compute`, github.com/vturrisi/solo-learn):
/// rows are L2-normalised (`F.normalize`, norm floored at 10⁻¹²), the `k` training rows of largest
/// cosine similarity `s` to a test row vote for their labels with weight `exp(s/T)`, and the class
/// with the largest total wins (top-1). Defaults `k = 20`, `T = 0.07`, as solo-learn's; `k` is cut
/// to the number of training rows.
///
/// Similarities are computed in `Float` (as solo-learn's float32 `torch.mm`), vectorised eight lanes
/// at a time with a fixed summation order, on blocks of test rows; the votes in `Double`. Ties:
/// among equal similarities the earlier training row is kept, among equal votes the lower class
/// wins (torch's order on ties is unspecified). Same bits on any number of threads.
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

    /// The predicted class of each row of `test`, from `train` (N×m, labels ≥ 0; N ≥ 1) with the same m.
    public func predict(train: Matrix, trainLabels: [Int], test: Matrix) -> [Int] {
        precondition(train.cols == test.cols, "WeightedKNN: train and test features differ in width")
        precondition(trainLabels.count == train.rows && train.rows >= 1, "WeightedKNN: one label per training row, at least one")
        let lanes = (train.cols + 7) / 8
        let bank = Self.normalisedRows(train, lanes: lanes), queries = Self.normalisedRows(test, lanes: lanes)
        let k = min(neighbours, train.rows)
        let classes = (trainLabels.max() ?? 0) + 1
        let blocks = WorkerPool.partition(test.rows, parts: (test.rows + 15) / 16)
        let pool = WorkerPool(threads: min(threads, blocks.count))
        let perBlock: [[Int]] = pool.map(blocks.count) { b in
            let rows = blocks[b]
            var topSimilarity = [Float](repeating: -.infinity, count: rows.count * k)
            var topIndex = [Int](repeating: -1, count: rows.count * k)
            bank.withUnsafeBufferPointer { t in
                queries.withUnsafeBufferPointer { q in
                    for j in 0..<train.rows {
                        let r = UnsafeRawPointer(t.baseAddress! + j * lanes * 8)
                        for (slot, i) in rows.enumerated() {
                            let v = UnsafeRawPointer(q.baseAddress! + i * lanes * 8)
                            var acc = SIMD8<Float>()
                            for l in 0..<lanes {
                                acc += r.loadUnaligned(fromByteOffset: l * 32, as: SIMD8<Float>.self)
                                    * v.loadUnaligned(fromByteOffset: l * 32, as: SIMD8<Float>.self)
                            }
                            let s = acc.sum()
                            let base = slot * k
                            guard s > topSimilarity[base + k - 1] else { continue }
                            var p = k - 1
                            while p > 0 && topSimilarity[base + p - 1] < s {
                                topSimilarity[base + p] = topSimilarity[base + p - 1]; topIndex[base + p] = topIndex[base + p - 1]; p -= 1
                            }
                            topSimilarity[base + p] = s; topIndex[base + p] = j
                        }
                    }
                }
            }
            var votes = [Double](repeating: 0, count: classes)
            return (0..<rows.count).map { slot in
                for c in 0..<classes { votes[c] = 0 }
                for p in 0..<k {
                    votes[trainLabels[topIndex[slot * k + p]]] += Double.exp(Double(topSimilarity[slot * k + p]) / temperature)
                }
                var best = 0
                for c in 1..<max(classes, 1) where votes[c] > votes[best] { best = c }
                return best
            }
        }
        return perBlock.flatMap { $0 }
    }

    /// The rows of `x` divided by their norms (floored at 10⁻¹²) as `Float`, each padded with zeros to
    /// `8·lanes` values.
    static func normalisedRows(_ x: Matrix, lanes: Int) -> [Float] {
        let m = x.cols, width = lanes * 8
        var out = [Float](repeating: 0, count: x.rows * width)
        for i in 0..<x.rows {
            var norm = 0.0
            for j in 0..<m { norm += x[i, j] * x[i, j] }
            let inverse = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<m { out[i * width + j] = Float(x[i, j] * inverse) }
        }
        return out
    }
}
