@preconcurrency import CGSL

/// Dense linear algebra through GSL: CBLAS products and the symmetric
/// eigen-decomposition.
public enum LinearAlgebra {
    /// `C = op(A) · op(B)` through `cblas_dgemm` (row-major). `transA`/`transB`
    /// transpose the operand before the product.
    public static func gemm(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false) -> Matrix {
        let (m, ka) = transA ? (a.cols, a.rows) : (a.rows, a.cols)
        let (kb, n) = transB ? (b.cols, b.rows) : (b.rows, b.cols)
        precondition(ka == kb, "gemm: inner dimensions differ")
        var c = Matrix(rows: m, cols: n)
        if m == 0 || n == 0 || ka == 0 { return c }
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(CblasRowMajor,
                                transA ? CblasTrans : CblasNoTrans,
                                transB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(ka), 1.0,
                                ap.baseAddress, Int32(a.cols),
                                bp.baseAddress, Int32(b.cols), 0.0,
                                cp.baseAddress, Int32(n))
                }
            }
        }
        return c
    }

    /// Eigenvalues (ascending) and orthonormal eigenvectors (as columns) of a
    /// symmetric matrix (`gsl_eigen_symmv`). Only the lower triangle is read.
    public static func symmetricEigen(_ s: Matrix) -> (values: [Double], vectors: Matrix) {
        precondition(s.rows == s.cols, "symmetricEigen: matrix must be square")
        GSLRuntime.ensure()
        let n = s.rows
        if n == 0 { return ([], Matrix(rows: 0, cols: 0)) }
        let a = gsl_matrix_alloc(n, n)!, evec = gsl_matrix_alloc(n, n)!
        let eval = gsl_vector_alloc(n)!, ws = gsl_eigen_symmv_alloc(n)!
        defer { gsl_matrix_free(a); gsl_matrix_free(evec); gsl_vector_free(eval); gsl_eigen_symmv_free(ws) }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(a, i, j, s[i, j]) } }
        gsl_eigen_symmv(a, eval, evec, ws)
        gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_ASC)
        var vectors = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { vectors[i, j] = gsl_matrix_get(evec, i, j) } }
        return ((0..<n).map { gsl_vector_get(eval, $0) }, vectors)
    }

    /// A factor `R` (m×m) with `RᵀR = B` for a symmetric positive semidefinite
    /// `B`: `R = Λ^{1/2} Qᵀ` from `B = Q Λ Qᵀ`. Returns nil when `B` is not
    /// symmetric or has an eigenvalue below `−tolerance · max(1, ‖B‖_F)`;
    /// eigenvalues in `[−tolerance·scale, 0)` are treated as 0.
    public static func gramFactor(_ b: Matrix, tolerance: Double = 1e-10) -> Matrix? {
        guard b.rows == b.cols, b.isFinite else { return nil }
        let scale = max(1, b.frobeniusNorm)
        for i in 0..<b.rows { for j in 0..<i where abs(b[i, j] - b[j, i]) > tolerance * scale { return nil } }
        let (values, q) = symmetricEigen(b)
        var r = Matrix(rows: b.rows, cols: b.rows)
        for (i, lambda) in values.enumerated() {
            if lambda < -tolerance * scale { return nil }
            let root = max(lambda, 0).squareRoot()
            for j in 0..<b.rows { r[i, j] = root * q[j, i] }
        }
        return r
    }
}
