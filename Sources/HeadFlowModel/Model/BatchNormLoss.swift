import RealModule
import HeadFlowNumerics

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
        let ws = BatchNormWorkspace(n: n, m: m)
        let loss = try f1.storage.withUnsafeBufferPointer { (x: UnsafeBufferPointer<Double>) throws(DegenerateBatch) in
            try f2.storage.withUnsafeBufferPointer { (g: UnsafeBufferPointer<Double>) throws(DegenerateBatch) in
                try e.storage.withUnsafeBufferPointer { (h: UnsafeBufferPointer<Double>) throws(DegenerateBatch) in
                    try evaluate(online: x.baseAddress!, target: g.baseAddress!, head: h.baseAddress!,
                                 throughTarget: throughTarget, into: ws)
                }
            }
        }
        func matrix(_ p: UnsafeMutablePointer<Double>, _ rows: Int) -> Matrix {
            Matrix(rows: rows, cols: m, storage: Array(UnsafeBufferPointer(start: p, count: rows * m)))
        }
        return BatchNormLossEvaluation(loss: loss, correlations: Array(UnsafeBufferPointer(start: ws.rho, count: m)),
                                       onlineGradient: matrix(ws.df1, n), gradE: matrix(ws.gradE, m),
                                       targetGradient: throughTarget ? matrix(ws.df2, n) : nil)
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
