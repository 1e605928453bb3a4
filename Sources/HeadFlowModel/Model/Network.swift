import HeadFlowNumerics

/// The encoder of docs/MODEL.md §2: `m` neurons, the columns `w_j` of `W ∈ R^{d×m}`,
/// with outputs `f_j(X) = Σ_p σ(⟨w_j, X_p⟩)`, `σ(t) = t³`.
///
/// A view of `N` samples is an `N·P × d` matrix (patch `p` of sample `i` is row
/// `i·P + p`; a patch masked out of the view is a zero row, which contributes
/// `σ(0) = 0`). Products go through GSL's CBLAS (`LinearAlgebra.gemm`).
public enum Network {
    /// `σ(t) = t³`.
    @inlinable
    public static func activation(_ t: Double) -> Double { t * t * t }

    /// `σ'(t) = 3t²`.
    @inlinable
    public static func activationDerivative(_ t: Double) -> Double { 3 * t * t }

    /// The pre-activations `H = X W` (`N·P × m`): `H_{iP+p, j} = ⟨w_j, X_{i,p}⟩`.
    public static func preactivations(_ view: Matrix, weights w: Matrix) -> Matrix {
        precondition(view.cols == w.rows, "Network: the view has \(view.cols) columns, W has \(w.rows) rows")
        return LinearAlgebra.gemm(view, w)
    }

    /// The outputs `f_j(X_i) = Σ_p σ(H_{iP+p, j})` (`N × m`) from the
    /// pre-activations of `N` samples of `patches` rows each.
    public static func outputs(preactivations h: Matrix, patches: Int) -> Matrix {
        precondition(patches >= 1 && h.rows % patches == 0, "Network: rows must be a multiple of P")
        let n = h.rows / patches, m = h.cols
        var f = Matrix(rows: n, cols: m)
        for i in 0..<n {
            for p in 0..<patches {
                let row = (i * patches + p) * m
                for j in 0..<m { f.storage[i * m + j] += activation(h.storage[row + j]) }
            }
        }
        return f
    }

    /// `f(X)` for every sample of a view (`N × m`).
    public static func outputs(_ view: Matrix, patches: Int, weights w: Matrix) -> Matrix {
        outputs(preactivations: preactivations(view, weights: w), patches: patches)
    }

    /// `∂L/∂W = Xᵀ Γ` (`d × m`) from `∂L/∂f` (`N × m`) by the chain rule through
    /// `f_j(X_i) = Σ_p σ(⟨w_j, X_{i,p}⟩)`: `Γ_{iP+p, j} = σ'(H_{iP+p, j}) · ∂L/∂f_j(X_i)`.
    public static func weightGradient(view: Matrix, preactivations h: Matrix, outputGradient df: Matrix,
                                      patches: Int) -> Matrix {
        precondition(h.rows == view.rows && df.rows * patches == h.rows && df.cols == h.cols,
                     "Network: inconsistent shapes in the backward pass")
        let m = h.cols
        var gamma = Matrix(rows: h.rows, cols: m)
        for row in 0..<h.rows {
            let i = row / patches
            for j in 0..<m { gamma.storage[row * m + j] = activationDerivative(h.storage[row * m + j]) * df.storage[i * m + j] }
        }
        return LinearAlgebra.gemm(view, gamma, transA: true)
    }
}
