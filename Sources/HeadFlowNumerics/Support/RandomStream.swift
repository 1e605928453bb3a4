import RealModule

/// A sequential source of random numbers (internal). GSL's `RandomSource`
/// (Mersenne Twister) and `PhiloxStream` (Philox4x32-10) conform; the SGD
/// samplers are generic over it, so either drives the same code.
package protocol RandomStream {
    /// Uniform on `[0, 1)` (Philox: on `(0, 1)`).
    mutating func uniform() -> Double
    /// `N(0, 1)`.
    mutating func standardNormal() -> Double
    /// Chi-squared with `ν > 0` degrees of freedom.
    mutating func chiSquared(_ nu: Double) -> Double
    /// `count` draws of `N(0, 1)` into `out`, as `count` calls of `standardNormal()`.
    mutating func fillStandardNormal(_ out: UnsafeMutablePointer<Double>, count: Int)
}

extension RandomStream {
    /// `χ²_ν = 2 Γ(ν/2, 1)`, `Γ` by Marsaglia & Tsang (ACM TOMS 26(3), 2000):
    /// for shape `a ≥ 1`, `d = a − ⅓`, `c = 1/√(9d)`, accept `d(1 + cZ)³` when
    /// `log U < Z²/2 + d − dV + d log V`; for `a < 1`, `Γ(a + 1) U^{1/a}`.
    package mutating func chiSquared(_ nu: Double) -> Double { 2 * gamma(shape: 0.5 * nu) }

    /// `Γ(a, 1)`, `a > 0` (see `chiSquared`).
    mutating func gamma(shape a: Double) -> Double {
        if a < 1 { return gamma(shape: a + 1) * Double.pow(uniform(), 1 / a) }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let z = standardNormal()
            let t = 1 + c * z
            if t <= 0 { continue }
            let v = t * t * t, u = uniform()
            if u < 1 - 0.0331 * z * z * z * z { return d * v }
            if Double.log(u) < 0.5 * z * z + d * (1 - v + Double.log(v)) { return d * v }
        }
    }

    /// `count` calls of `standardNormal()` into `out`.
    package mutating func fillStandardNormal(_ out: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { out[i] = standardNormal() }
    }

    /// Uniform integer in `0..<n`, `n ≥ 1` (`⌊nU⌋`).
    package mutating func uniformInt(_ n: Int) -> Int { min(Int(uniform() * Double(n)), n - 1) }

    /// `count` distinct indices of `0..<n` uniformly at random, increasing
    /// (selection sampling, Knuth's Algorithm S). Requires `0 ≤ count ≤ n`.
    package mutating func choose(_ count: Int, from n: Int) -> [Int] {
        precondition(count >= 0 && count <= n, "choose: need 0 ≤ count ≤ n")
        var picked: [Int] = []
        picked.reserveCapacity(count)
        var t = 0
        while picked.count < count {
            if Double(n - t) * uniform() < Double(count - picked.count) { picked.append(t) }
            t += 1
        }
        return picked
    }

    /// `count` draws of `N(0, σ²)` into `buffer`.
    package mutating func fillNormal(_ buffer: UnsafeMutablePointer<Double>, count: Int, sigma: Double) {
        for i in 0..<count { buffer[i] = sigma * standardNormal() }
    }

    /// A factor `L` with `LᵀL ~ Wishart_m(ν, I)`: for `ν ≥ m` the Bartlett factor
    /// (upper triangular, `L_ii = √χ²_{ν−i}`, `L_ij ~ N(0, 1)` for `i < j`), for
    /// `ν < m` a `ν × m` standard normal matrix (the singular law). Cost independent of `ν`.
    package mutating func wishartFactor(m: Int, dof nu: Int) -> Matrix {
        precondition(nu >= 0 && m >= 1, "wishartFactor: need ν ≥ 0, m ≥ 1")
        if nu < m {
            var g = Matrix(rows: nu, cols: m)
            for i in 0..<g.storage.count { g.storage[i] = standardNormal() }
            return g
        }
        var l = Matrix(rows: m, cols: m)
        for i in 0..<m {
            l[i, i] = chiSquared(Double(nu - i)).squareRoot()
            for j in (i + 1)..<max(m, i + 1) { l[i, j] = standardNormal() }
        }
        return l
    }
}

/// A discrete law on `0...n` sampled by inversion of its distribution function
/// (internal): `draw(u)` is the least `x` with `u < F(x)`; `F(n) = 1` exactly.
package struct InversionTable: Sendable {
    @usableFromInline let cdf: [Double]  // not private: `draw` is inlinable (the samplers' inner loops)

    /// The law with weights `p` (≥ 0, not all zero; normalized here).
    package init(weights p: [Double]) {
        let total = p.reduce(0, +)
        var c = [Double](repeating: 0, count: p.count), s = 0.0
        for i in 0..<p.count { s += p[i]; c[i] = s / total }
        c[p.count - 1] = 1
        cdf = c
    }

    /// `Bin(n, q)`: weights `C(n, x) qˣ (1 − q)ⁿ⁻ˣ`, `x = 0…n`.
    package init(binomial n: Int, _ q: Double) {
        let weights = (0...n).map { x -> Double in
            if q == 0 { return x == 0 ? 1 : 0 }
            if q == 1 { return x == n ? 1 : 0 }
            let logChoose = Double.logGamma(Double(n + 1)) - Double.logGamma(Double(x + 1)) - Double.logGamma(Double(n - x + 1))
            return Double.exp(logChoose + Double(x) * Double.log(q) + Double(n - x) * Double.log(onePlus: -q))
        }
        self.init(weights: weights)
    }

    /// The value for a uniform `u ∈ [0, 1)`.
    @inlinable @inline(__always)
    package func draw(_ u: Double) -> Int {
        cdf.withUnsafeBufferPointer { c in
            let last = c.count - 1
            var x = 0
            while x < last && u >= c[x] { x += 1 }
            return x
        }
    }
}
