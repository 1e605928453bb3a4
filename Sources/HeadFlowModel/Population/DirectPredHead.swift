import RealModule
import HeadFlowNumerics

/// A prediction head that is *set*, never trained, from the online outputs'
/// second moment (docs/MODEL.md, "Predictor rule"): DirectPred (Tian, Chen &
/// Ganguli 2021) and, with exponent 1, DirectCopy (Wang et al. 2022).
///
/// From the source matrix `M = U diag(λ) Uᵀ` — `M = S` (`raw`, the default) or
/// `M = D^{-1/2} S D^{-1/2}` (`normalized`, `D = diag S`) —
/// `E = U diag((λ_i/λ_max)^γ + ε) Uᵀ`, `γ = 1/2` (DirectPred) or `γ = 1`
/// (DirectCopy; normalised here by the spectral norm `λ_max` **(choice)**).
///
/// Properties: `E` is symmetric, shares its eigenvectors with `M`, has eigenvalues
/// `(λ_i/λ_max)^γ + ε` (the largest `1 + ε`), and does not change when `S` is
/// multiplied by a constant `c > 0`.
///
/// Edge cases: eigenvalues that rounding makes slightly negative count as 0. When
/// `λ_max ≤ 0` (all outputs zero), when `S` is not finite, or (normalized) when some
/// `S_jj ≤ 0`, the head is undefined: every entry is NaN (the flow then stops as
/// for a zero-variance output).
public struct DirectPredHead: Equatable, Sendable, Codable {
    /// Which matrix's spectrum sets the head.
    public enum Source: String, CaseIterable, Sendable, Codable {
        /// `M = S`, the raw second moment **(choice: the default)**.
        case raw
        /// `M = D^{-1/2} S D^{-1/2}`, the correlation matrix.
        case normalized
    }

    /// The shift `ε ≥ 0` added to every eigenvalue (`--dp-eps`, default 0.1).
    public var epsilon: Double
    /// The source matrix (`--dp-source`).
    public var source: Source
    /// The exponent `γ`: 1/2 for DirectPred, 1 for DirectCopy.
    public var exponent: Double

    /// A head rule; the defaults are DirectPred's.
    public init(epsilon: Double = 0.1, source: Source = .raw, exponent: Double = 0.5) {
        self.epsilon = epsilon; self.source = source; self.exponent = exponent
    }

    // MARK: - Readable form

    /// `E` from the outputs' second moment `s` (m×m, symmetric).
    public func head(secondMoment s: Matrix) -> Matrix {
        let m = s.rows
        precondition(s.cols == m && m >= 1, "DirectPredHead: S must be m×m, m ≥ 1")
        let nan = Matrix(rows: m, cols: m, repeating: .nan)
        let source: Matrix
        switch self.source {
        case .raw: source = s
        case .normalized:
            guard let c = RepresentationRank.correlation(s) else { return nan }
            source = c
        }
        guard source.isFinite else { return nan }
        let (values, u) = LinearAlgebra.symmetricEigen(source)
        guard let top = values.last, top > 0 else { return nan }
        var diagonal = Matrix(rows: m, cols: m)
        for i in 0..<m { diagonal[i, i] = Double.pow(max(values[i], 0) / top, exponent) + epsilon }
        return u * diagonal * u.transposed
    }

    // MARK: - Hot path

    /// Writes `E` (row-major m×m) from `s` (row-major m×m) with no allocation:
    /// `scratch` holds `m² + m` doubles; `workspace.order == m`. Returns false
    /// (and writes NaN) where `head(secondMoment:)` is NaN.
    public func write(secondMoment s: UnsafePointer<Double>, into e: UnsafeMutablePointer<Double>,
                      scratch: UnsafeMutablePointer<Double>, workspace: SymmetricEigenWorkspace) -> Bool {
        let m = workspace.order
        let vectors = scratch, values = scratch + m * m
        // The source matrix goes into e (reused as input storage).
        var ok = true
        for i in 0..<m { for j in 0..<m {
            var x = s[i * m + j]
            if source == .normalized {
                let q = s[i * m + i] * s[j * m + j]
                if !(s[i * m + i] > 0 && s[j * m + j] > 0) { ok = false }
                x /= q.squareRoot()
            }
            e[i * m + j] = x
        } }
        if ok { ok = workspace.decompose(e, eigenvalues: values, eigenvectors: vectors) }
        guard ok, values[m - 1] > 0 else { e.update(repeating: .nan, count: m * m); return false }
        let top = values[m - 1]
        for i in 0..<m { values[i] = Double.pow(max(values[i], 0) / top, exponent) + epsilon }
        for i in 0..<m { for j in i..<m {
            var x = 0.0
            for c in 0..<m { x += vectors[i * m + c] * values[c] * vectors[j * m + c] }
            e[i * m + j] = x; e[j * m + i] = x
        } }
        return true
    }
}
