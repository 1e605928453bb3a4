import RealModule
import HeadFlowNumerics

/// How practitioners see dimensional collapse: the effective rank and RankMe of
/// the outputs' correlation matrix (docs/MODEL.md, "Representation rank").
///
/// From the outputs' same-view second moment `S` (m×m; all means are 0 by the
/// sign symmetry, so `S` is their covariance), the correlation matrix
/// `C = D^{-1/2} S D^{-1/2}`, `D = diag S`, is the covariance of the
/// batch-normalised outputs. With `λ_1 … λ_m` its eigenvalues (`Σλ = tr C = m`):
///
/// - `erank = exp(−Σ_i p_i log p_i)`, `p_i = λ_i / Σλ` (Roy & Vetterli's effective rank);
/// - `rankMe = exp(−Σ_i q_i log q_i)`, `q_i = sqrt(λ_i) / Σ sqrt(λ)`: the population
///   value of RankMe (Garrido et al. 2023), which takes the same entropy over the
///   singular values `σ_i` of a batch `Z` (N×m) of BN'd outputs; `ZᵀZ/N → C`, so
///   `σ_i ∝ sqrt(λ_i(C))`.
///
/// Both lie in `[1, m]`: 1 when every output carries the same feature (`C` of rank
/// one), `m` when the outputs are uncorrelated (`C = I`). Both are invariant to a
/// permutation of the outputs and to a positive (or any non-zero) rescaling of each.
/// For the online branch `F = E f` use `S_F = E S Eᵀ` (`secondMoment(of:head:)`).
///
/// Edge cases: an output with zero variance (`S_jj ≤ 0`) has no correlation, and so
/// both ranks are **NaN** (as `ρ_j` is); a non-finite `S` gives NaN. Eigenvalues of
/// `C` that rounding makes slightly negative are taken as 0; `0 · log 0 = 0`.
public struct RepresentationRank: Equatable, Sendable {
    /// The effective rank `erank(C) = exp(−Σ p_i log p_i)`, `p_i = λ_i/Σλ`.
    public let erank: Double
    /// RankMe's population value: the same entropy with `p_i ∝ sqrt(λ_i(C))`.
    public let rankMe: Double

    /// The ranks of outputs with same-view second moment `s` (m×m, symmetric, m ≥ 1).
    public init(secondMoment s: Matrix) {
        guard let c = Self.correlation(s) else { erank = .nan; rankMe = .nan; return }
        let lambda = LinearAlgebra.symmetricEigen(c).values.map { max($0, 0) }
        erank = Self.entropyRank(lambda)
        rankMe = Self.entropyRank(lambda.map { $0.squareRoot() })
    }

    /// Both ranks from the singular values of a batch of outputs `f` (N×m): each
    /// column is batch-normalised (mean 0, variance 1 over the batch), then
    /// `exp(H)` over `p_i = σ_i/Σσ` (RankMe) and over `p_i = σ_i²/Σσ²` (erank of
    /// the batch correlation `ZᵀZ/N`). NaN when a column has zero variance or `N = 0`.
    public init(batchOutputs f: Matrix) {
        let n = f.rows, m = f.cols
        var z = f
        for j in 0..<m {
            let col = f.column(j)
            let mean = col.reduce(0, +) / Double(n)
            let variance = col.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            guard n > 0, variance > 0, variance.isFinite else { erank = .nan; rankMe = .nan; return }
            let sd = variance.squareRoot()
            for i in 0..<n { z[i, j] = (f[i, j] - mean) / sd }
        }
        let sigma = LinearAlgebra.singularValues(z)
        rankMe = Self.entropyRank(sigma)
        erank = Self.entropyRank(sigma.map { $0 * $0 })
    }

    /// Both ranks NaN (no batch yet).
    public static let undefined = RepresentationRank(erank: .nan, rankMe: .nan)

    private init(erank: Double, rankMe: Double) { self.erank = erank; self.rankMe = rankMe }

    /// `C = D^{-1/2} S D^{-1/2}`, or nil when some `S_jj ≤ 0` or `S` is not finite.
    public static func correlation(_ s: Matrix) -> Matrix? {
        precondition(s.rows == s.cols && s.rows >= 1, "RepresentationRank: S must be m×m, m ≥ 1")
        guard s.isFinite else { return nil }
        let m = s.rows
        let scale = (0..<m).map { s[$0, $0] }
        guard scale.allSatisfy({ $0 > 0 }) else { return nil }
        var c = Matrix(rows: m, cols: m)
        for i in 0..<m { for j in 0..<m { c[i, j] = s[i, j] / (scale[i] * scale[j]).squareRoot() } }
        return c
    }

    /// `S_F = E S Eᵀ`: the second moment of the online outputs `F = E f`.
    public static func secondMoment(of s: Matrix, head e: Matrix) -> Matrix { e * s * e.transposed }

    /// `exp(−Σ p_i log p_i)` with `p_i = x_i / Σx` for non-negative weights `x`
    /// (`0 · log 0 = 0`); NaN when `Σx` is not positive and finite (`FeatureRank.entropyRank`).
    public static func entropyRank(_ x: [Double]) -> Double { FeatureRank.entropyRank(x) }
}
