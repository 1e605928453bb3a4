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
/// matrix `ZᵀZ` (GSL's symmetric eigensolver, eigenvalues that rounding makes negative taken as 0).
/// `ZᵀZ` is summed by OpenBLAS (`BLAS.gemm`) over blocks of rows standardised one at a time, so no
/// copy of `F` is made (60,000 × 784 raw pixels: 376 MB saved); each of a fixed number of chunks of
/// blocks (fixed by N and m, never by the thread count) sums its own blocks, the chunks are added in order,
/// and the upper triangle is mirrored: the same bits on any number of threads, equal to the plain
/// loops of `referenceGram` to rounding. `O(N m²)` work: 2.5 s of CPU at N = 60,000, m = 784 (raw
/// Fashion-MNIST pixels; the former row-by-row loops took 9.4 s and a copy of the features).
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

    /// The ranks of the standardised columns of `features` (N×m), the Gram matrix summed on `threads` threads.
    public init(features: Matrix, threads: Int = WorkerPool.coreCount) {
        let sigma = Self.standardisedSingularValues(features, threads: threads)
        erank = Self.entropyRank(sigma.map { $0 * $0 })
        rankMe = Self.rankMe(singularValues: sigma)
    }

    /// The singular values of the standardised `features`, largest first (`sqrt` of the
    /// eigenvalues of `ZᵀZ`).
    public static func standardisedSingularValues(_ features: Matrix, threads: Int = WorkerPool.coreCount) -> [Double] {
        let m = features.cols, n = features.rows
        guard m > 0, n > 0 else { return [] }
        let gram = standardisedGram(features, threads: threads)
        return LinearAlgebra.symmetricEigen(gram).values.map { max($0, 0).squareRoot() }.sorted(by: >)
    }

    /// Rows per block of the Gram sum.
    static let blockRows = 256

    /// `ZᵀZ` (m×m) of the standardised rows of `x` (N ≥ 1, m ≥ 1), by blocks (see above).
    static func standardisedGram(_ x: Matrix, threads: Int) -> Matrix {
        let m = x.cols, n = x.rows, bb = blockRows
        let standardiser = FeatureStandardiser(fitting: x)
        // At most 32 chunks, and their partial sums at most ≈ 32 MB together (m = 784: 6 chunks).
        let chunks = WorkerPool.partition((n + bb - 1) / bb, parts: max(1, min(32, 4_000_000 / (m * m))))
        let partial: [[Double]] = WorkerPool(threads: min(threads, chunks.count)).map(chunks.count) { c in
            var sum = [Double](repeating: 0, count: m * m), block = [Double](repeating: 0, count: bb * m)
            x.storage.withUnsafeBufferPointer { xs in
                block.withUnsafeMutableBufferPointer { z in
                    for b in chunks[c] {
                        let first = b * bb, size = min(bb, n - first)
                        for r in 0..<size { standardiser.apply(row: xs.baseAddress! + (first + r) * m, into: z.baseAddress! + r * m) }
                        BLAS.gemm(transA: true, m: m, n: m, k: size, a: z.baseAddress!, lda: m, b: z.baseAddress!, ldb: m,
                                  beta: 1, c: &sum, ldc: m)
                    }
                }
            }
            return sum
        }
        var gram = Matrix(rows: m, cols: m)
        for a in 0..<m {
            for b in a..<m {
                var g = 0.0
                for c in 0..<chunks.count { g += partial[c][a * m + b] }
                gram[a, b] = g; gram[b, a] = g
            }
        }
        return gram
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
