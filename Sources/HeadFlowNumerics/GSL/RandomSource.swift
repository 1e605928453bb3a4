@preconcurrency import CGSL

/// A seeded GSL random number generator (`gsl_rng_mt19937`) and the
/// distributions headflow samples from.
///
/// The same seed gives the same stream on every run and machine. Not shared
/// across threads: each run, seed or grid cell owns its own source.
public final class RandomSource {
    private let rng: UnsafeMutablePointer<gsl_rng>
    /// The seed this source was created with.
    public let seed: UInt64

    /// A Mersenne-Twister stream seeded with `seed` (`gsl_rng_set`).
    public init(seed: UInt64) {
        GSLRuntime.ensure()
        guard let r = gsl_rng_alloc(gsl_rng_mt19937) else { fatalError("gsl_rng_alloc failed: out of memory") }
        rng = r
        self.seed = seed
        gsl_rng_set(r, UInt(truncatingIfNeeded: seed))
    }

    deinit { gsl_rng_free(rng) }

    /// `N(0, σ²)` (`gsl_ran_gaussian_ziggurat`).
    public func gaussian(sigma: Double = 1) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// Uniform on `[0, 1)` (`gsl_rng_uniform`).
    public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform integer in `0..<n` (`gsl_rng_uniform_int`); `n ≥ 1`.
    public func uniformInt(_ n: Int) -> Int { Int(gsl_rng_uniform_int(rng, UInt(n))) }

    /// A fair coin: true with probability 1/2.
    public func coin() -> Bool { gsl_rng_uniform_int(rng, 2) == 1 }

    /// Chi-squared with `nu` degrees of freedom (`gsl_ran_chisq`).
    public func chiSquared(_ nu: Double) -> Double { gsl_ran_chisq(rng, nu) }

    /// Binomial `Bin(n, p)` (`gsl_ran_binomial`): e.g. how many of a sample's
    /// `s` feature patches the random mask puts in view 1. Requires `n ≥ 0`, `p ∈ [0, 1]`.
    public func binomial(_ n: Int, _ p: Double) -> Int {
        precondition(n >= 0 && n <= Int(UInt32.max), "binomial: need 0 ≤ n < 2³²")
        return Int(gsl_ran_binomial(rng, p, UInt32(n)))
    }

    /// Fills `count` entries from `buffer` with independent `N(0, σ²)` draws
    /// (`gsl_ran_gaussian_ziggurat`), the same stream as `gaussian(sigma:)`.
    public func fillGaussian(_ buffer: UnsafeMutablePointer<Double>, count: Int, sigma: Double = 1) {
        for i in 0..<count { buffer[i] = gsl_ran_gaussian_ziggurat(rng, sigma) }
    }

    /// `count` distinct indices of `0..<n`, uniformly at random, in increasing
    /// order (`gsl_ran_choose`). Requires `0 ≤ count ≤ n`.
    public func choose(_ count: Int, from n: Int) -> [Int] {
        precondition(count >= 0 && count <= n, "choose: need 0 ≤ count ≤ n")
        if count == 0 { return [] }
        var src = Array(0..<n)
        var dst = [Int](repeating: 0, count: count)
        src.withUnsafeMutableBytes { s in
            dst.withUnsafeMutableBytes { d in
                _ = gsl_ran_choose(rng, d.baseAddress, count, s.baseAddress, n, MemoryLayout<Int>.stride)
            }
        }
        return dst
    }

    /// A reusable sampler for the discrete law with weights `p` (`gsl_ran_discrete_preproc`).
    public func discreteSampler(_ p: [Double]) -> DiscreteSampler { DiscreteSampler(weights: p) }

    /// A `rows × cols` matrix of independent `N(0, σ²)` entries.
    public func gaussianMatrix(rows: Int, cols: Int, sigma: Double = 1) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.storage.count { m.storage[i] = gaussian(sigma: sigma) }
        return m
    }

    /// Draws from a `DiscreteSampler` built earlier.
    public func draw(_ sampler: DiscreteSampler) -> Int { Int(gsl_ran_discrete(rng, sampler.table)) }

    /// An upper-triangular `R` with `RᵀR ~ σ² · Wishart_m(ν, I)` by the Bartlett
    /// decomposition: `R_ii = σ·sqrt(χ²_{ν−i})` (0-based `i`), `R_ij ~ N(0, σ²)` for
    /// `i < j`. This is the exact law of `(ΠW)ᵀ(ΠW)` for a `d×m` Gaussian `W` with
    /// entries `N(0, σ²)` and `ν = d − k`; no `d`-vector is formed. Requires `ν ≥ m`.
    public func bartlettFactor(m: Int, dof nu: Int, sigma: Double) -> Matrix {
        precondition(nu >= m, "bartlettFactor: need dof ≥ m")
        var r = Matrix(rows: m, cols: m)
        for i in 0..<m {
            r[i, i] = sigma * chiSquared(Double(nu - i)).squareRoot()
            for j in (i + 1)..<max(m, i + 1) { r[i, j] = gaussian(sigma: sigma) }
        }
        return r
    }
}

extension RandomSource: RandomStream {
    /// `N(0, 1)` (`gsl_ran_gaussian_ziggurat`).
    package func standardNormal() -> Double { gsl_ran_gaussian_ziggurat(rng, 1) }
}

/// A preprocessed discrete law (`gsl_ran_discrete_t`), for drawing the sample's
/// feature `ℓ ~ p` many times.
public final class DiscreteSampler {
    fileprivate let table: UnsafeMutablePointer<gsl_ran_discrete_t>
    /// The law `P(i) ∝ weights[i]` (weights ≥ 0, not all zero).
    package init(weights: [Double]) {
        GSLRuntime.ensure()
        guard let t = weights.withUnsafeBufferPointer({ gsl_ran_discrete_preproc(weights.count, $0.baseAddress) })
        else { fatalError("gsl_ran_discrete_preproc failed: weights must be ≥ 0 and not all zero") }
        table = t
    }
    deinit { gsl_ran_discrete_free(table) }
}
