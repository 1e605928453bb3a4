import RealModule

extension SoftmaxObjective {
    /// `L(θ)` and `∇L(θ)` by the formulas of `SoftmaxObjective`, one example at a time in plain loops
    /// (no blocks, no BLAS): the version the fast `evaluate` is tested against. `x` holds the examples (N×m, already
    /// standardised), θ is laid out as `SoftmaxRegression.parameters`.
    static func reference(_ x: Matrix, labels: [Int], classes: Int, penalty: Double,
                          theta: [Double]) -> (loss: Double, gradient: [Double]) {
        let n = x.rows, m = x.cols, stride = m + 1
        var loss = 0.0, gradient = [Double](repeating: 0, count: theta.count)
        for i in 0..<n {
            // z_k = b_k + Σ_j w_kj x_ij; p = softmax(z).
            let z = (0..<classes).map { k in (0..<m).reduce(theta[k * stride + m]) { $0 + theta[k * stride + $1] * x[i, $1] } }
            let top = z.max()!
            let total = z.reduce(0) { $0 + Double.exp($1 - top) }
            loss += Double.log(total) + top - z[labels[i]]
            for k in 0..<classes {
                let residual = Double.exp(z[k] - top) / total - (k == labels[i] ? 1 : 0)
                for j in 0..<m { gradient[k * stride + j] += residual * x[i, j] }
                gradient[k * stride + m] += residual
            }
        }
        let scale = n > 0 ? 1 / Double(n) : 0
        var penaltyTerm = 0.0
        for k in 0..<classes {
            for j in 0...m {
                gradient[k * stride + j] *= scale
                if j < m { gradient[k * stride + j] += penalty * theta[k * stride + j]; penaltyTerm += theta[k * stride + j] * theta[k * stride + j] }
            }
        }
        return (loss * scale + 0.5 * penalty * penaltyTerm, gradient)
    }
}
