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

    /// `C ← α · op(A) · op(B) + β · C` through `cblas_dgemm` on raw row-major
    /// storage (no allocation): `op(A)` is `m×k`, `op(B)` is `k×n`, `C` is `m×n`;
    /// `lda`, `ldb`, `ldc` are the row strides of the stored matrices. Sizes of 0
    /// leave `C` untouched when `β = 1` (and scale it otherwise).
    public static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C ← α · op(A) · op(B) + β · C` into an existing `C` of the right shape
    /// (`cblas_dgemm`; no allocation when `C` is uniquely referenced).
    public static func gemm(_ a: Matrix, _ b: Matrix, into c: inout Matrix, transA: Bool = false, transB: Bool = false,
                            alpha: Double = 1, beta: Double = 0) {
        let (m, ka) = transA ? (a.cols, a.rows) : (a.rows, a.cols)
        let (kb, n) = transB ? (b.cols, b.rows) : (b.rows, b.cols)
        precondition(ka == kb, "gemm: inner dimensions differ")
        precondition(c.rows == m && c.cols == n, "gemm: output has the wrong shape")
        let (lda, ldb, ldc) = (a.cols, b.cols, c.cols)
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    guard let pa = ap.baseAddress, let pb = bp.baseAddress, let pc = cp.baseAddress else { return }
                    gemm(transA: transA, transB: transB, m: m, n: n, k: ka, alpha: alpha, a: pa, lda: lda,
                         b: pb, ldb: ldb, beta: beta, c: pc, ldc: ldc)
                }
            }
        }
    }

    /// The triangular factor of a thin QR decomposition (`gsl_linalg_QR_decomp`):
    /// for `T` (`n × m`, `n ≥ m`), the upper-triangular `R` (`m × m`) with
    /// `Rᵀ R = Tᵀ T`, rows signed so that `R_ii ≥ 0`. No `Tᵀ T` is formed, so a
    /// nearly rank-deficient `T` keeps its accuracy.
    public static func triangularFactor(_ t: Matrix) -> Matrix {
        precondition(t.rows >= t.cols && t.cols >= 1, "triangularFactor: need rows ≥ cols ≥ 1")
        GSLRuntime.ensure()
        let n = t.rows, m = t.cols
        let a = gsl_matrix_alloc(n, m)!, tau = gsl_vector_alloc(m)!
        defer { gsl_matrix_free(a); gsl_vector_free(tau) }
        for i in 0..<n { for j in 0..<m { gsl_matrix_set(a, i, j, t[i, j]) } }
        gsl_linalg_QR_decomp(a, tau)
        var r = Matrix(rows: m, cols: m)
        for i in 0..<m {
            let sign: Double = gsl_matrix_get(a, i, i) < 0 ? -1 : 1
            for j in i..<m { r[i, j] = sign * gsl_matrix_get(a, i, j) }
        }
        return r
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
