import RealModule

/// Multinomial logistic regression with `K` classes on `m` features: logits `z_k = w_kᵀx + b_k`,
/// class probabilities `p = softmax(z)`, predicted class `argmax_k z_k` (the lowest `k` on a tie).
///
/// Fitted by minimising the mean cross-entropy plus an L2 penalty on the weights (not the biases),
///
///     L(W, b) = (1/N) Σ_i [log Σ_k exp z_ik − z_{i,y_i}] + (λ/2) ‖W‖_F²,
///     ∂L/∂w_k = (1/N) Σ_i (p_ik − [y_i = k]) x_i + λ w_k,   ∂L/∂b_k = (1/N) Σ_i (p_ik − [y_i = k]),
///
/// with GSL's BFGS (`BFGSMinimizer`) on `SoftmaxObjective` (OpenBLAS products). The parameters are
/// stored class by class, `[w_k (m values), b_k]`. The sums over examples run over a partition of the
/// rows fixed by N (never by the number of threads) and are added in partition order, so a fit gives
/// the same bits on any thread count.
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
    public func predict(_ x: Matrix) -> [Int] { predict(x, rows: nil, standardiser: nil) }

    /// The predicted class of each example `standardiser.apply(x)[rows]` (every row when `rows` is nil;
    /// raw rows when `standardiser` is nil), standardising one row at a time: the same bits as
    /// `predict(standardiser.apply(x))` without its copy of `x`.
    func predict(_ x: Matrix, rows: [Int]?, standardiser: FeatureStandardiser?) -> [Int] {
        precondition(x.cols == features, "SoftmaxRegression: \(x.cols) features, expected \(features)")
        let m = features, stride = m + 1
        var row = [Double](repeating: 0, count: m)
        return (rows ?? Array(0..<x.rows)).map { i in
            x.storage.withUnsafeBufferPointer { xs in
                row.withUnsafeMutableBufferPointer { out in
                    if let standardiser, m > 0 {
                        standardiser.apply(row: xs.baseAddress! + i * m, into: out.baseAddress!)
                    } else {
                        for j in 0..<m { out[j] = xs[i * m + j] }
                    }
                }
            }
            var best = 0, bestLogit = -Double.infinity
            for k in 0..<classes {
                var z = parameters[k * stride + m]
                for j in 0..<m { z += parameters[k * stride + j] * row[j] }
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
        fit(x, rows: nil, standardiser: nil, labels: labels, classes: classes, penalty: penalty, start: start,
            minimizer: minimizer, threads: threads)
    }

    /// `fit` on the examples `standardiser.apply(x)[rows]` (see `SoftmaxObjective`), read in place:
    /// the same bits as fitting the materialised examples, without their copy.
    static func fit(_ x: Matrix, rows: [Int]?, standardiser: FeatureStandardiser?, labels: [Int], classes: Int,
                    penalty: Double, start: [Double]? = nil, minimizer: BFGSMinimizer,
                    threads: Int = 1) -> (model: SoftmaxRegression, result: MinimizationResult) {
        let objective = SoftmaxObjective(x, rows: rows, standardiser: standardiser, labels: labels, classes: classes,
                                         penalty: penalty, threads: threads)
        let x0 = start ?? [Double](repeating: 0, count: classes * (x.cols + 1))
        let result = minimizer.minimize(from: x0) { theta, gradient in objective.evaluate(theta, gradient: gradient) }
        return (SoftmaxRegression(classes: classes, features: x.cols, parameters: result.x), result)
    }
}
