import RealModule

/// Multinomial logistic regression with `K` classes on `m` features: logits `z_k = w_kᵀx + b_k`,
/// class probabilities `p = softmax(z)`, predicted class `argmax_k z_k` (the lowest `k` on a tie).
///
/// Fitted by minimising the mean cross-entropy plus an L2 penalty on the weights (not the biases),
///
///     L(W, b) = (1/N) Σ_i [log Σ_k exp z_ik − z_{i,y_i}] + (λ/2) ‖W‖_F²,
///     ∂L/∂w_k = (1/N) Σ_i (p_ik − [y_i = k]) x_i + λ w_k,   ∂L/∂b_k = (1/N) Σ_i (p_ik − [y_i = k]),
///
/// with GSL's BFGS (`BFGSMinimizer`). The parameters are stored class by class, `[w_k (m values), b_k]`.
/// The sums over examples run over a partition of the rows fixed by N (never by the number of
/// threads) and are added in partition order, so a fit gives the same bits on any thread count.
public struct SoftmaxRegression: Sendable, Equatable {
    /// Number of classes `K`.
    public let classes: Int
    /// Number of features `m`.
    public let features: Int
    /// `K·(m + 1)` values: for each class its `m` weights then its bias.
    public var parameters: [Double]

    /// A model with the given parameters (all zero by default: every class equally likely).
    public init(classes: Int, features: Int, parameters: [Double]? = nil) {
        precondition(classes >= 1 && features >= 0, "SoftmaxRegression: sizes")
        self.classes = classes; self.features = features
        self.parameters = parameters ?? [Double](repeating: 0, count: classes * (features + 1))
        precondition(self.parameters.count == classes * (features + 1), "SoftmaxRegression: parameter count")
    }

    /// The predicted class of each row of `x`.
    public func predict(_ x: Matrix) -> [Int] {
        precondition(x.cols == features, "SoftmaxRegression: \(x.cols) features, expected \(features)")
        let m = features, stride = m + 1
        return (0..<x.rows).map { i in
            var best = 0, bestLogit = -Double.infinity
            for k in 0..<classes {
                var z = parameters[k * stride + m]
                for j in 0..<m { z += parameters[k * stride + j] * x[i, j] }
                if z > bestLogit { best = k; bestLogit = z }
            }
            return best
        }
    }

    /// The fraction of rows of `x` whose predicted class is their label (NaN when there are none).
    public func accuracy(_ x: Matrix, labels: [Int]) -> Double { Self.accuracy(predict(x), labels) }

    /// The fraction of `predicted` equal to `labels` (NaN when empty).
    public static func accuracy(_ predicted: [Int], _ labels: [Int]) -> Double {
        precondition(predicted.count == labels.count, "accuracy: lengths differ")
        guard !labels.isEmpty else { return .nan }
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Fits the model to rows `x` with labels in `0..<classes` and penalty `λ ≥ 0` from `start`
    /// (zeros by default), on `threads` threads; returns the model at the minimiser's last point
    /// and the minimiser's result.
    public static func fit(_ x: Matrix, labels: [Int], classes: Int, penalty: Double, start: [Double]? = nil,
                           minimizer: BFGSMinimizer, threads: Int = 1) -> (model: SoftmaxRegression, result: MinimizationResult) {
        let objective = SoftmaxObjective(x, labels: labels, classes: classes, penalty: penalty, threads: threads)
        let x0 = start ?? [Double](repeating: 0, count: classes * (x.cols + 1))
        let result = minimizer.minimize(from: x0) { theta, gradient in objective.evaluate(theta, gradient: gradient) }
        return (SoftmaxRegression(classes: classes, features: x.cols, parameters: result.x), result)
    }
}

/// The penalised cross-entropy `L` of `SoftmaxRegression` on fixed data and its gradient, with the
/// per-chunk scratch that makes an evaluation allocation-free.
public final class SoftmaxObjective: @unchecked Sendable {
    /// The examples, N×m.
    public let x: Matrix
    /// Their labels, in `0..<classes`.
    public let labels: [Int]
    /// `K`.
    public let classes: Int
    /// `λ`.
    public let penalty: Double
    private let chunks: [Range<Int>]
    private let pool: WorkerPool
    private var transposed: [Double]          // weights as m×K, then the K biases
    private var partialGradients: [[Double]]  // per chunk, laid out as `transposed`
    private var partialLosses: [Double]

    /// The objective on `x` (N×m) with `labels`, `classes` and penalty `λ`, evaluated on `threads` threads.
    public init(_ x: Matrix, labels: [Int], classes: Int, penalty: Double, threads: Int = 1) {
        precondition(labels.count == x.rows, "SoftmaxObjective: one label per row")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "SoftmaxObjective: labels in 0..<classes")
        self.x = x; self.labels = labels; self.classes = classes; self.penalty = penalty
        chunks = WorkerPool.partition(x.rows, parts: max(1, min(32, x.rows / 512)))
        pool = WorkerPool(threads: min(threads, chunks.count))
        let size = classes * (x.cols + 1)
        transposed = [Double](repeating: 0, count: size)
        partialGradients = [[Double]](repeating: [Double](repeating: 0, count: size), count: chunks.count)
        partialLosses = [Double](repeating: 0, count: chunks.count)
    }

    /// `L(θ)`, and `∇L(θ)` into `gradient` when it is non-nil (θ laid out as `SoftmaxRegression.parameters`).
    public func evaluate(_ theta: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?) -> Double {
        let m = x.cols, kk = classes, stride = m + 1, n = x.rows
        for k in 0..<kk {
            for j in 0..<m { transposed[j * kk + k] = theta[k * stride + j] }
            transposed[m * kk + k] = theta[k * stride + m]
        }
        let wantGradient = gradient != nil
        pool.run(chunks.count) { c in self.accumulate(chunk: c, gradient: wantGradient) }
        var loss = 0.0
        for c in 0..<chunks.count { loss += partialLosses[c] }
        let scale = n > 0 ? 1 / Double(n) : 0
        var penaltyTerm = 0.0
        for k in 0..<kk { for j in 0..<m { penaltyTerm += theta[k * stride + j] * theta[k * stride + j] } }
        if let gradient {
            for k in 0..<kk {
                for j in 0...m {
                    var g = 0.0
                    for c in 0..<chunks.count { g += partialGradients[c][j * kk + k] }
                    gradient[k * stride + j] = g * scale + (j < m ? penalty * theta[k * stride + j] : 0)
                }
            }
        }
        return loss * scale + 0.5 * penalty * penaltyTerm
    }

    /// The unscaled loss and gradient sums of chunk `c` into its own slots.
    private func accumulate(chunk c: Int, gradient: Bool) {
        let m = x.cols, kk = classes
        var z = [Double](repeating: 0, count: kk)
        var loss = 0.0
        partialGradients[c].withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] = 0 }
            transposed.withUnsafeBufferPointer { w in
                x.storage.withUnsafeBufferPointer { xs in
                    z.withUnsafeMutableBufferPointer { z in
                        for i in chunks[c] {
                            let row = xs.baseAddress! + i * m
                            for k in 0..<kk { z[k] = w[m * kk + k] }
                            for j in 0..<m {
                                let xj = row[j], wj = w.baseAddress! + j * kk
                                for k in 0..<kk { z[k] += wj[k] * xj }
                            }
                            var top = z[0]
                            for k in 1..<kk where z[k] > top { top = z[k] }
                            let y = labels[i], margin = z[y] - top
                            var total = 0.0
                            for k in 0..<kk { z[k] = Double.exp(z[k] - top); total += z[k] }
                            // −log p_y = log Σ_k exp(z_k − top) − (z_y − top): no overflow, no log 0.
                            loss += Double.log(total) - margin
                            guard gradient else { continue }
                            let inverse = 1 / total
                            for k in 0..<kk { z[k] *= inverse }
                            z[y] -= 1
                            for j in 0..<m {
                                let xj = row[j], gj = g.baseAddress! + j * kk
                                for k in 0..<kk { gj[k] += z[k] * xj }
                            }
                            for k in 0..<kk { g[m * kk + k] += z[k] }
                        }
                    }
                }
            }
        }
        partialLosses[c] = loss
    }
}
