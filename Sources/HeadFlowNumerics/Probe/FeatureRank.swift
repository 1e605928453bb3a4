import RealModule

/// How collapsed a representation is, from a feature matrix `F` (N×m, one row per example),
/// after standardising its columns (`FeatureStandardiser`: the batch-normalised features `Z`),
/// from the singular values `σ_1 ≥ … ≥ σ_m` of `Z`:
///
/// - `erank = exp(−Σ p_k log p_k)`, `p_k = σ_k²/Σσ²`: Roy & Vetterli's effective rank of the
///   features' correlation matrix `ZᵀZ/N` (whose singular values are `σ_k²/N`) — the same quantity
///   headflow reports as `erank` for the synthetic model (`RepresentationRank`);
/// - `rankMe = exp(−Σ p_k log p_k)`, `p_k = σ_k/‖σ‖₁ + ε`, `ε = 10⁻⁷`: RankMe of Garrido et al.
///   (2023), Roy & Vetterli's effective rank of `Z` itself, with their `ε`.
///
/// Both lie in `[1, m]` (up to `ε`'s effect on RankMe): 1 when every column carries the same
/// feature, `m` when the columns are uncorrelated; both are invariant to rescaling a column and
/// to permuting columns or rows. The `σ_k` are the square roots of the eigenvalues of the Gram
/// matrix `ZᵀZ` (GSL's symmetric eigensolver, eigenvalues that rounding makes negative taken as 0):
/// `O(N m²)` work, a fraction of a second at N = 60,000, m = 64.
///
/// Edge cases: a constant column standardises to 0 and adds no singular value (a dead neuron lowers
/// the rank instead of making it undefined); when every column is constant, or `N = 0`, both are NaN.
public struct FeatureRank: Sendable, Equatable {
    /// The effective rank of the correlation matrix, `exp H(σ²/Σσ²)`.
    public let erank: Double
    /// RankMe, `exp H(σ/‖σ‖₁ + ε)`.
    public let rankMe: Double

    /// Garrido et al.'s `ε` in RankMe's `p_k`.
    public static let rankMeEpsilon = 1e-7

    /// The ranks of the standardised columns of `features` (N×m).
    public init(features: Matrix) {
        let sigma = Self.standardisedSingularValues(features)
        erank = Self.entropyRank(sigma.map { $0 * $0 })
        rankMe = Self.rankMe(singularValues: sigma)
    }

    /// The singular values of the standardised `features`, largest first (`sqrt` of the
    /// eigenvalues of `ZᵀZ`).
    public static func standardisedSingularValues(_ features: Matrix) -> [Double] {
        let m = features.cols, n = features.rows
        guard m > 0, n > 0 else { return [] }
        let z = FeatureStandardiser(fitting: features).apply(features)
        var gram = Matrix(rows: m, cols: m)
        z.storage.withUnsafeBufferPointer { p in
            gram.storage.withUnsafeMutableBufferPointer { g in
                for i in 0..<n {
                    let row = p.baseAddress! + i * m
                    for a in 0..<m {
                        let za = row[a]
                        if za == 0 { continue }
                        for b in a..<m { g[a * m + b] += za * row[b] }
                    }
                }
            }
        }
        for a in 0..<m { for b in 0..<a { gram[a, b] = gram[b, a] } }
        return LinearAlgebra.symmetricEigen(gram).values.map { max($0, 0).squareRoot() }.sorted(by: >)
    }

    /// `exp(−Σ p_i log p_i)` with `p_i = x_i / Σx` for non-negative weights `x` (`0 · log 0 = 0`);
    /// NaN when `Σx` is not positive and finite. Roy & Vetterli's effective rank when `x` are
    /// singular values.
    public static func entropyRank(_ x: [Double]) -> Double {
        let total = x.reduce(0, +)
        guard total > 0, total.isFinite else { return .nan }
        var h = 0.0
        for xi in x where xi > 0 {
            let p = xi / total
            h -= p * Double.log(p)
        }
        return Double.exp(h)
    }

    /// RankMe of singular values `σ`: `exp(−Σ p_k log p_k)`, `p_k = σ_k/‖σ‖₁ + ε` (Garrido et al.
    /// 2023, eq. 1). NaN when `‖σ‖₁` is not positive and finite.
    public static func rankMe(singularValues sigma: [Double], epsilon: Double = rankMeEpsilon) -> Double {
        let total = sigma.reduce(0) { $0 + abs($1) }
        guard total > 0, total.isFinite else { return .nan }
        var h = 0.0
        for s in sigma {
            let p = abs(s) / total + epsilon
            h -= p * Double.log(p)
        }
        return Double.exp(h)
    }
}
