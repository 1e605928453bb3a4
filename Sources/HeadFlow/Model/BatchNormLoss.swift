import RealModule

/// The mini-batch loss of MODEL.md §2 on the network outputs, and its gradient
/// under stop-gradient.
///
/// For `N` samples with online outputs `f⁽¹⁾ = f(X⁽ⁱ'¹⁾)` and target outputs
/// `f⁽²⁾ = f(X⁽ⁱ'²⁾)` (each `N × m`) and head `E`:
///
/// - `F_ij = Σ_r E_jr f⁽¹⁾_ir`, `G_ij = f⁽²⁾_ij` (target under stop-gradient);
/// - batch normalization per coordinate `j`: `F̂_ij = (F_ij − μ_j) / sqrt(v_j + ε)`
///   with `μ_j` the batch mean and `v_j` the biased batch variance; the same for
///   `Ĝ` with the target's own `μ`, `v`;
/// - `L = (1/N) Σ_i ‖F̂_i − Ĝ_i‖²`. With `ε = 0` this is exactly
///   `Σ_j 2(1 − ρ̂_j)`, `ρ̂_j` the batch (Pearson) correlation of `F_j` and `G_j`.
///
/// `ε` (`epsilon`) is 0 by default **(choice)**. A coordinate whose variance
/// plus `ε` is not positive cannot be normalized: `evaluate` throws
/// `DegenerateBatch.zeroVariance` naming it, never dividing by zero.
public struct BatchNormLoss: Sendable {
    /// `ε` added to the batch variance under the square root (≥ 0; default 0).
    public var epsilon: Double

    /// A loss with BN constant `ε` (`epsilon`, default 0).
    public init(epsilon: Double = 0) { self.epsilon = epsilon }

    /// Throws a `ParameterError` unless `ε` is finite and ≥ 0.
    public func validate() throws(ParameterError) {
        try require(epsilon, "bn-epsilon", "a finite ε ≥ 0", { $0 >= 0 })
    }

    /// Loss, batch correlations and the gradients `∂L/∂f⁽¹⁾` (`N × m`) and `∂L/∂E`
    /// (`m × m`, every entry; the caller masks frozen ones). The target outputs
    /// are constants (stop-gradient, including their mean and variance).
    ///
    /// Backward pass: with `D = (2/N)(F̂ − Ĝ)` and `s_j = sqrt(v_j + ε)`,
    /// `∂L/∂F_ij = (D_ij − mean_i D_·j − F̂_ij · mean_i(D_·j F̂_·j)) / s_j`,
    /// `∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾`, `∂L/∂f⁽¹⁾ = (∂L/∂F) E`.
    ///
    /// - Throws: `DegenerateBatch.zeroVariance` when `v_j + ε ≤ 0` on either
    ///   branch (e.g. every sample has the same output), `.nonFinite` when an
    ///   output, the loss or a gradient is NaN or infinite.
    public func evaluate(online f1: Matrix, target f2: Matrix, head e: Matrix) throws(DegenerateBatch) -> BatchNormLossEvaluation {
        precondition(f1.rows == f2.rows && f1.cols == f2.cols && e.rows == f1.cols && e.cols == f1.cols,
                     "BatchNormLoss: f⁽¹⁾, f⁽²⁾ must be N×m and E m×m")
        let n = f1.rows, m = f1.cols
        precondition(n >= 1, "BatchNormLoss: empty batch")
        guard f1.isFinite else { throw .nonFinite(quantity: "online output f(X⁽¹⁾)") }
        guard f2.isFinite else { throw .nonFinite(quantity: "target output f(X⁽²⁾)") }
        // F = f⁽¹⁾ Eᵀ, then both branches normalized in place.
        var fHat = [Double](repeating: 0, count: n * m), gHat = f2.storage
        f1.storage.withUnsafeBufferPointer { x in
            e.storage.withUnsafeBufferPointer { ep in
                fHat.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        for j in 0..<m {
                            var acc = 0.0
                            for r in 0..<m { acc += ep[j * m + r] * x[i * m + r] }
                            out[i * m + j] = acc
                        }
                    }
                }
            }
        }
        let fScale = try fHat.withUnsafeMutableBufferPointer { b throws(DegenerateBatch) in try normalize(b, n: n, m: m, branch: .online) }
        _ = try gHat.withUnsafeMutableBufferPointer { b throws(DegenerateBatch) in try normalize(b, n: n, m: m, branch: .target) }
        let invN = 1 / Double(n)
        var loss = 0.0
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 4 * m)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: 4 * m)
        let rhoSum = sums, dMean = sums + m, dProj = sums + 2 * m, scale = sums + 3 * m
        for j in 0..<m { scale[j] = fScale[j] }
        var dF = [Double](repeating: 0, count: n * m)
        fHat.withUnsafeBufferPointer { fh in
            gHat.withUnsafeBufferPointer { gh in
                dF.withUnsafeMutableBufferPointer { d in
                    // D = (2/N)(F̂ − Ĝ), the loss, ρ̂, and the BN backward sums per coordinate j.
                    for i in 0..<n {
                        for j in 0..<m {
                            let x = fh[i * m + j], y = gh[i * m + j], dij = 2 * invN * (x - y)
                            loss += (x - y) * (x - y)
                            rhoSum[j] += x * y
                            d[i * m + j] = dij
                            dMean[j] += dij
                            dProj[j] += dij * x
                        }
                    }
                    for j in 0..<m { dMean[j] *= invN; dProj[j] *= invN }
                    for i in 0..<n {
                        for j in 0..<m {
                            let k = i * m + j
                            d[k] = (d[k] - dMean[j] - fh[k] * dProj[j]) / scale[j]
                        }
                    }
                }
            }
        }
        loss *= invN
        let rho = (0..<m).map { rhoSum[$0] * invN }
        guard loss.isFinite else { throw .nonFinite(quantity: "loss") }
        // ∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾ and ∂L/∂f⁽¹⁾ = (∂L/∂F) E.
        var gradE = Matrix(rows: m, cols: m), df1 = Matrix(rows: n, cols: m)
        dF.withUnsafeBufferPointer { d in
            f1.storage.withUnsafeBufferPointer { x in
                e.storage.withUnsafeBufferPointer { ep in
                    gradE.storage.withUnsafeMutableBufferPointer { ge in
                        df1.storage.withUnsafeMutableBufferPointer { out in
                            for i in 0..<n {
                                for j in 0..<m {
                                    let dij = d[i * m + j]
                                    for r in 0..<m {
                                        ge[j * m + r] += dij * x[i * m + r]
                                        out[i * m + r] += dij * ep[j * m + r]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard gradE.isFinite, df1.isFinite else { throw .nonFinite(quantity: "gradient") }
        return BatchNormLossEvaluation(loss: loss, correlations: rho, onlineGradient: df1, gradE: gradE)
    }

    /// `x ← (x − μ)/sqrt(v + ε)` per column of the `n × m` buffer; returns the scales `sqrt(v_j + ε)`.
    private func normalize(_ buffer: UnsafeMutableBufferPointer<Double>, n: Int, m: Int,
                           branch: BatchBranch) throws(DegenerateBatch) -> [Double] {
        let x = buffer.baseAddress!
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * m)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0, count: 2 * m)
        let mean = sums, variance = sums + m
        for i in 0..<n { for j in 0..<m { mean[j] += x[i * m + j] } }
        for j in 0..<m { mean[j] /= Double(n) }
        for i in 0..<n { for j in 0..<m { let c = x[i * m + j] - mean[j]; variance[j] += c * c } }
        var scale = [Double](repeating: 0, count: m)
        for j in 0..<m {
            variance[j] /= Double(n)
            let v = variance[j] + epsilon
            guard v > 0 else { throw .zeroVariance(branch: branch, coordinate: j + 1, variance: variance[j]) }
            scale[j] = v.squareRoot()
            guard scale[j].isFinite else { throw .nonFinite(quantity: "batch variance of \(branch.symbol)_\(j + 1)") }
        }
        for j in 0..<m { variance[j] = scale[j] }
        for i in 0..<n { for j in 0..<m { x[i * m + j] = (x[i * m + j] - mean[j]) / variance[j] } }
        return scale
    }
}

/// The batch loss and its gradients at one batch (see `BatchNormLoss`).
public struct BatchNormLossEvaluation: Sendable {
    /// `L = (1/N) Σ_i ‖F̂_i − Ĝ_i‖²` (`= Σ_j 2(1 − ρ̂_j)` when `ε = 0`).
    public let loss: Double
    /// `ρ̂_j = (1/N) Σ_i F̂_ij Ĝ_ij`, the batch correlation of `F_j` and `G_j` (when `ε = 0`).
    public let correlations: [Double]
    /// `∂L/∂f⁽¹⁾` (`N × m`): the gradient with respect to the online network outputs.
    public let onlineGradient: Matrix
    /// `∂L/∂E` (`m × m`), every entry.
    public let gradE: Matrix
}

/// Which branch of the loss a batch statistic belongs to.
public enum BatchBranch: String, Sendable {
    /// The online branch `F = E f(X⁽¹⁾)`.
    case online
    /// The target branch `G = f(X⁽²⁾)` (stop-gradient).
    case target

    /// `F` or `G`.
    public var symbol: String { self == .online ? "F" : "G" }
}

/// A batch on which the loss of MODEL.md §2 is undefined.
public enum DegenerateBatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// Batch variance `v_j` of output coordinate `j` (1-based) is 0 (with `ε = 0`):
    /// BN would divide by zero.
    case zeroVariance(branch: BatchBranch, coordinate: Int, variance: Double)
    /// A network output, the loss or a gradient is NaN or infinite.
    case nonFinite(quantity: String)

    /// One line naming the branch and coordinate (1-based), or the non-finite quantity.
    public var description: String {
        switch self {
        case .zeroVariance(let b, let j, let v):
            return "batch normalization of the \(b.rawValue) output \(b.symbol)_\(j) has zero variance over the batch (v = \(v)); the batch is degenerate"
        case .nonFinite(let q):
            return "the \(q) is not finite (NaN or Inf)"
        }
    }
}
