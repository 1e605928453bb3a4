import RealModule

/// The mini-batch loss of docs/MODEL.md §2 on the network outputs, and its gradient
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
    ///
    /// With `throughTarget` (stop-gradient off) the target is differentiated too:
    /// `∂L/∂G_ij = (−D_ij + mean_i D_·j + Ĝ_ij · mean_i(D_·j Ĝ_·j)) / s^G_j` into `targetGradient`.
    public func evaluate(online f1: Matrix, target f2: Matrix, head e: Matrix,
                         throughTarget: Bool = false) throws(DegenerateBatch) -> BatchNormLossEvaluation {
        precondition(f1.rows == f2.rows && f1.cols == f2.cols && e.rows == f1.cols && e.cols == f1.cols,
                     "BatchNormLoss: f⁽¹⁾, f⁽²⁾ must be N×m and E m×m")
        let n = f1.rows, m = f1.cols
        precondition(n >= 1, "BatchNormLoss: empty batch")
        guard f1.isFinite else { throw .nonFinite(quantity: "online output f(X⁽¹⁾)") }
        guard f2.isFinite else { throw .nonFinite(quantity: "target output f(X⁽²⁾)") }
        // Column by column (coordinate j outer, sample i inner: long loops over the batch).
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 3 * n * m + 2 * m)
        defer { buffer.deallocate() }
        let fHat = buffer, gHat = buffer + n * m, dF = buffer + 2 * n * m, fScale = buffer + 3 * n * m, gScale = fScale + m
        var loss = 0.0
        var rho = [Double](repeating: 0, count: m)
        var gradE = Matrix(rows: m, cols: m), df1 = Matrix(rows: n, cols: m)
        var df2 = throughTarget ? Matrix(rows: n, cols: m) : nil
        let invN = 1 / Double(n)
        try f1.storage.withUnsafeBufferPointer { (xb: UnsafeBufferPointer<Double>) throws(DegenerateBatch) in
            let x = xb.baseAddress!
            // F = f⁽¹⁾ Eᵀ and G = f⁽²⁾, then both normalized.
            for j in 0..<m {
                for i in 0..<n { fHat[i * m + j] = 0 }
                for r in 0..<m {
                    let ejr = e.storage[j * m + r]
                    for i in 0..<n { fHat[i * m + j] += ejr * x[i * m + r] }
                }
            }
            f2.storage.withUnsafeBufferPointer { g in gHat.update(from: g.baseAddress!, count: n * m) }
            try normalize(fHat, n: n, m: m, scales: fScale, branch: .online)
            try normalize(gHat, n: n, m: m, scales: gScale, branch: .target)
            // D = (2/N)(F̂ − Ĝ); ∂L/∂F = (D − mean D − F̂ · mean(D F̂)) / s per coordinate.
            for j in 0..<m {
                var l = 0.0, r = 0.0, dMean = 0.0, dProj = 0.0
                for i in 0..<n {
                    let fx = fHat[i * m + j], gy = gHat[i * m + j], dij = 2 * invN * (fx - gy)
                    l += (fx - gy) * (fx - gy); r += fx * gy
                    dMean += dij; dProj += dij * fx
                    dF[i * m + j] = dij
                }
                loss += l; rho[j] = r * invN
                dMean *= invN; dProj *= invN
                if df2 != nil {
                    var gProj = 0.0
                    for i in 0..<n { gProj += dF[i * m + j] * gHat[i * m + j] }
                    gProj *= invN
                    let gScale = gScale[j]
                    for i in 0..<n { df2![i, j] = (-dF[i * m + j] + dMean + gHat[i * m + j] * gProj) / gScale }
                }
                let scale = fScale[j]
                for i in 0..<n { dF[i * m + j] = (dF[i * m + j] - dMean - fHat[i * m + j] * dProj) / scale }
            }
            // ∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾ and ∂L/∂f⁽¹⁾ = (∂L/∂F) E.
            gradE.storage.withUnsafeMutableBufferPointer { ge in
                df1.storage.withUnsafeMutableBufferPointer { outBuffer in
                    let out = outBuffer.baseAddress!
                    for j in 0..<m {
                        for r in 0..<m {
                            var acc = 0.0
                            for i in 0..<n { acc += dF[i * m + j] * x[i * m + r] }
                            ge[j * m + r] = acc
                            let ejr = e.storage[j * m + r]
                            for i in 0..<n { out[i * m + r] += dF[i * m + j] * ejr }
                        }
                    }
                }
            }
        }
        loss *= invN
        guard loss.isFinite else { throw .nonFinite(quantity: "loss") }
        guard gradE.isFinite, df1.isFinite, df2?.isFinite ?? true else { throw .nonFinite(quantity: "gradient") }
        return BatchNormLossEvaluation(loss: loss, correlations: rho, onlineGradient: df1, gradE: gradE, targetGradient: df2)
    }

    /// `x ← (x − μ)/sqrt(v + ε)` per column of the `n × m` buffer, the scales `sqrt(v_j + ε)` into `scales`.
    private func normalize(_ x: UnsafeMutablePointer<Double>, n: Int, m: Int, scales: UnsafeMutablePointer<Double>,
                           branch: BatchBranch) throws(DegenerateBatch) {
        for j in 0..<m {
            var mean = 0.0
            for i in 0..<n { mean += x[i * m + j] }
            mean /= Double(n)
            var variance = 0.0
            for i in 0..<n { let c = x[i * m + j] - mean; variance += c * c }
            variance /= Double(n)
            let v = variance + epsilon
            guard v > 0 else { throw .zeroVariance(branch: branch, coordinate: j + 1, variance: variance) }
            let scale = v.squareRoot()
            guard scale.isFinite else { throw .nonFinite(quantity: "batch variance of \(branch.symbol)_\(j + 1)") }
            scales[j] = scale
            for i in 0..<n { x[i * m + j] = (x[i * m + j] - mean) / scale }
        }
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
    /// `∂L/∂f⁽²⁾` (`N × m`) when the gradient flows through the target (stop-gradient off), else nil.
    public var targetGradient: Matrix? = nil
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

/// A batch on which the loss of docs/MODEL.md §2 is undefined.
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
