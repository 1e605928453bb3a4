@preconcurrency import CGSL

// MARK: - Singular values and an allocation-free symmetric eigensolver

extension LinearAlgebra {
    /// The singular values of `a` (`n × m`), in descending order, through
    /// `gsl_linalg_SV_decomp` (one-sided Golub–Reinsch). GSL needs `n ≥ m`;
    /// a wide matrix is decomposed through its transpose (same singular values).
    /// An empty matrix has none.
    public static func singularValues(_ a: Matrix) -> [Double] {
        let t = a.rows >= a.cols ? a : a.transposed
        let n = t.rows, m = t.cols
        if m == 0 { return [] }
        GSLRuntime.ensure()
        let u = gsl_matrix_alloc(n, m)!, v = gsl_matrix_alloc(m, m)!
        let s = gsl_vector_alloc(m)!, work = gsl_vector_alloc(m)!
        defer { gsl_matrix_free(u); gsl_matrix_free(v); gsl_vector_free(s); gsl_vector_free(work) }
        for i in 0..<n { for j in 0..<m { gsl_matrix_set(u, i, j, t[i, j]) } }
        gsl_linalg_SV_decomp(u, v, s, work)
        return (0..<m).map { gsl_vector_get(s, $0) }.sorted(by: >)
    }
}

/// `gsl_eigen_symmv` on preallocated GSL storage: the eigen-decomposition of a
/// symmetric `n × n` matrix with no allocation per call, for right-hand sides
/// that need a spectrum at every evaluation (the DirectPred head).
///
/// Not thread-safe: one workspace per solve.
public final class SymmetricEigenWorkspace {
    /// The matrix order `n`.
    public let order: Int
    private let matrix: UnsafeMutablePointer<gsl_matrix>
    private let vectors: UnsafeMutablePointer<gsl_matrix>
    private let values: UnsafeMutablePointer<gsl_vector>
    private let workspace: UnsafeMutablePointer<gsl_eigen_symmv_workspace>

    /// A workspace for symmetric matrices of order `n ≥ 1`.
    public init(order n: Int) {
        precondition(n >= 1, "SymmetricEigenWorkspace: order must be ≥ 1")
        GSLRuntime.ensure()
        order = n
        matrix = gsl_matrix_alloc(n, n)!; vectors = gsl_matrix_alloc(n, n)!
        values = gsl_vector_alloc(n)!; workspace = gsl_eigen_symmv_alloc(n)!
    }

    deinit {
        gsl_matrix_free(matrix); gsl_matrix_free(vectors); gsl_vector_free(values); gsl_eigen_symmv_free(workspace)
    }

    /// Decomposes the symmetric row-major `s` (only its lower triangle is read):
    /// writes the eigenvalues in ascending order to `eigenvalues` (`n`) and the
    /// orthonormal eigenvectors as the *columns* of the row-major `eigenvectors`
    /// (`n × n`). Returns false (outputs unspecified) when `s` is not finite.
    public func decompose(_ s: UnsafePointer<Double>, eigenvalues: UnsafeMutablePointer<Double>,
                          eigenvectors: UnsafeMutablePointer<Double>) -> Bool {
        let n = order
        for i in 0..<(n * n) where !s[i].isFinite { return false }
        for i in 0..<n { for j in 0..<n { gsl_matrix_set(matrix, i, j, s[i * n + j]) } }
        gsl_eigen_symmv(matrix, values, vectors, workspace)
        gsl_eigen_symmv_sort(values, vectors, GSL_EIGEN_SORT_VAL_ASC)
        for i in 0..<n {
            eigenvalues[i] = gsl_vector_get(values, i)
            for j in 0..<n { eigenvectors[i * n + j] = gsl_matrix_get(vectors, i, j) }
        }
        return true
    }
}
