/// Column standardisation of a feature matrix (N×m, one row per example): `z_ij = (x_ij − μ_j)/s_j`
/// with `μ_j` and `s_j` (the population standard deviation, divisor N) of the matrix it was fitted
/// on — the training features — applied unchanged to any other (test) features.
///
/// Edge cases: a constant column (`s_j = 0`, or not finite) gets `s_j = 1`, so it standardises to
/// 0 and carries no information instead of a division by zero; fitting on N = 0 rows gives `μ = 0`,
/// `s = 1` (the identity).
public struct FeatureStandardiser: Sendable, Equatable {
    /// The column means `μ_j`.
    public let mean: [Double]
    /// The column scales `s_j` (standard deviations, 1 for a constant column).
    public let scale: [Double]

    /// Fits `μ` and `s` on the rows of `x`.
    public init(fitting x: Matrix) { self.init(fitting: x, rows: nil) }

    /// Fits `μ` and `s` on the rows `rows` of `x` (every row when nil), summed in the order given:
    /// the same bits as fitting on a matrix of those rows.
    init(fitting x: Matrix, rows: [Int]?) {
        let n = rows?.count ?? x.rows, m = x.cols
        var mu = [Double](repeating: 0, count: m), ss = [Double](repeating: 0, count: m)
        x.storage.withUnsafeBufferPointer { p in
            for r in 0..<n { let i = rows?[r] ?? r; for j in 0..<m { mu[j] += p[i * m + j] } }
            if n > 0 { for j in 0..<m { mu[j] /= Double(n) } }
            for r in 0..<n { let i = rows?[r] ?? r; for j in 0..<m { let d = p[i * m + j] - mu[j]; ss[j] += d * d } }
        }
        mean = mu
        scale = ss.map { s in
            let sd = n > 0 ? (s / Double(n)).squareRoot() : 0
            return sd > 0 && sd.isFinite ? sd : 1
        }
    }

    /// `(x_ij − μ_j)/s_j` for every row of `x` (which must have the fitted number of columns).
    public func apply(_ x: Matrix) -> Matrix {
        precondition(x.cols == mean.count, "FeatureStandardiser: \(x.cols) columns, fitted on \(mean.count)")
        let m = x.cols
        var z = x
        guard m > 0 else { return z }
        z.storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<x.rows { let row = p.baseAddress! + i * m; apply(row: row, into: row) }
        }
        return z
    }

    /// `out[j] = (row[j] − μ_j)/s_j` for one row of m values (`out` may be `row`): `apply` row by row.
    @inline(__always)
    func apply(row: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        mean.withUnsafeBufferPointer { mu in
            scale.withUnsafeBufferPointer { s in
                for j in 0..<mu.count { out[j] = (row[j] - mu[j]) / s[j] }
            }
        }
    }
}
