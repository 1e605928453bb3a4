import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// A Monte Carlo mean with its standard error.
struct Estimate: Sendable, CustomStringConvertible {
    let value: Double
    let se: Double
    var description: String { "\(value) ± \(se)" }

    /// `|value − x|` in standard errors.
    func distance(to x: Double) -> Double { abs(value - x) / se }
}

/// A coefficient of a closed form, the wrong values a test must reject, and its name.
struct Coefficient {
    let truth: Double
    let alternatives: [Double]
    let name: String
    init(_ truth: Double, _ alternatives: [Double], _ name: String) {
        self.truth = truth; self.alternatives = alternatives; self.name = name
    }
}

/// Asserts that `fit` is within 4 SE of the true coefficient and more than 5 SE
/// from `truth ± 2%` and from every alternative: the test proves its own power.
func expectPinned(_ fit: Estimate, _ c: Coefficient) {
    #expect(fit.distance(to: c.truth) <= 4, "\(c.name): \(fit) vs \(c.truth)")
    for alt in [0.98 * c.truth, 1.02 * c.truth] + c.alternatives {
        #expect(fit.distance(to: alt) > 5, "\(c.name): \(fit) does not reject \(alt)")
    }
}

/// The solution of `M x = y` for a symmetric positive definite `M` (Cholesky).
func solveSPD(_ m: Matrix, _ y: [Double]) -> [Double] {
    let n = m.rows
    var l = Matrix(rows: n, cols: n)
    for i in 0..<n {
        for j in 0...i {
            var s = m[i, j]
            for p in 0..<j { s -= l[i, p] * l[j, p] }
            l[i, j] = i == j ? s.squareRoot() : s / l[j, j]
        }
    }
    var z = y
    for i in 0..<n { for p in 0..<i { z[i] -= l[i, p] * z[p] }; z[i] /= l[i, i] }
    for i in (0..<n).reversed() { for p in (i + 1)..<n { z[i] -= l[p, i] * z[p] }; z[i] /= l[i, i] }
    return z
}

/// The weighted least-squares fit `y_i ≈ Σ_c θ_c x_{ic}` (weights `1/se_i²`) of
/// independent estimates, with the standard errors of `θ`.
func weightedFit(_ rows: [[Double]], _ ys: [Estimate]) -> [Estimate] {
    let p = rows[0].count
    var normal = Matrix(rows: p, cols: p), rhs = [Double](repeating: 0, count: p)
    for (x, y) in zip(rows, ys) {
        let w = 1 / (y.se * y.se)
        for a in 0..<p { rhs[a] += w * x[a] * y.value; for b in 0..<p { normal[a, b] += w * x[a] * x[b] } }
    }
    let theta = solveSPD(normal, rhs)
    return (0..<p).map { c in
        var unit = [Double](repeating: 0, count: p)
        unit[c] = 1
        return Estimate(value: theta[c], se: solveSPD(normal, unit)[c].squareRoot())
    }
}

/// A 2×2 noise Gram matrix `B` for the Monte Carlo designs.
struct NoiseGram: Sendable, CustomStringConvertible {
    let b11: Double, b22: Double, b12: Double
    /// `B_12 = ρ sqrt(B_11 B_22)`.
    init(_ b11: Double, _ b22: Double, correlation rho: Double) {
        self.b11 = b11; self.b22 = b22; b12 = rho * (b11 * b22).squareRoot()
    }
    init(b11: Double, b22: Double, b12: Double) { self.b11 = b11; self.b22 = b22; self.b12 = b12 }
    var matrix: Matrix { Matrix([[b11, b12], [b12, b22]]) }
    var description: String { "B = [[\(b11), \(b12)], [\(b12), \(b22)]]" }
}

/// `h = σ L z ~ N(0, σ² B)` for `B = L Lᵀ` (`L` lower triangular), `z` two
/// independent standard normals (GSL), and the Monte Carlo means of
/// 0: `h_1³ h_2³`; 1: `h_1⁶ / (2 B_11³) + h_2⁶ / (2 B_22³)`;
/// 2: `∂(h_1³ h_2³)/∂B_12` and 3: `∂(h_1³ h_2³)/∂B_11` along `L(B)` with the same
/// `z` (the pathwise derivative, whose mean is the derivative of the mean).
///
/// Control variates: every monomial of `z` of degree 2 and 4, and the odd ones of
/// degree 6 (`z_1⁵z_2`, `z_1³z_2³`, `z_1z_2⁵`), minus their means, which follow from
/// `E z² = 1`, `E z⁴ = 3` and the sign symmetry alone: no sixth moment is assumed.
/// Their coefficients are fitted on the sample (the regression estimator).
func isserlisEstimates(_ g: NoiseGram, sigma: Double, samples n: Int, seed: UInt64) -> [Estimate] {
    let b11 = g.b11, b22 = g.b22
    let l11 = b11.squareRoot(), l21 = g.b12 / l11, l22 = (b22 - l21 * l21).squareRoot()
    // dL/dB_12 (B_12 and B_21 together) and dL/dB_11.
    let d12L21 = 1 / l11, d12L22 = -l21 / (l11 * l22)
    let d11L11 = 1 / (2 * l11), d11L21 = -l21 / (2 * b11)
    let d11L22 = -l21 * d11L21 / l22
    let controls = 11, outputs = 4, width = controls + outputs
    let chunk = 100_000, chunks = (n + chunk - 1) / chunk
    // Each chunk: its own stream; the Gram matrix XᵀX (CBLAS) and the column sums of X.
    let parts = WorkerPool.map(Array(0..<chunks)) { (c: Int) -> (Matrix, [Double]) in
        let rows = min(chunk, n - c * chunk)
        let rng = RandomSource(seed: seed &* 1_000_003 &+ UInt64(c))
        var z = [Double](repeating: 0, count: 2 * rows)
        z.withUnsafeMutableBufferPointer { rng.fillGaussian($0.baseAddress!, count: 2 * rows) }
        var x = Matrix(rows: rows, cols: width)
        var sums = [Double](repeating: 0, count: width)
        z.withUnsafeBufferPointer { zp in
            x.storage.withUnsafeMutableBufferPointer { xp in
                for i in 0..<rows {
                    let z1: Double = zp[2 * i], z2: Double = zp[2 * i + 1]
                    let h1: Double = sigma * l11 * z1
                    let h2: Double = sigma * (l21 * z1 + l22 * z2)
                    let z11: Double = z1 * z1, z22: Double = z2 * z2, z12: Double = z1 * z2
                    let h1s: Double = h1 * h1, h2s: Double = h2 * h2
                    let h1c: Double = h1s * h1, h2c: Double = h2s * h2
                    let row = xp.baseAddress! + i * width
                    row[0] = z11 - 1; row[1] = z12; row[2] = z22 - 1
                    row[3] = z11 * z11 - 3; row[4] = z11 * z12; row[5] = z11 * z22 - 1
                    row[6] = z12 * z22; row[7] = z22 * z22 - 3
                    row[8] = z11 * z11 * z12; row[9] = z11 * z12 * z22; row[10] = z12 * z22 * z22
                    row[11] = h1c * h2c
                    let sixth1: Double = h1c * h1c / (2 * b11 * b11 * b11)
                    let sixth2: Double = h2c * h2c / (2 * b22 * b22 * b22)
                    row[12] = sixth1 + sixth2
                    let dh2: Double = sigma * (d12L21 * z1 + d12L22 * z2)
                    row[13] = 3 * h1c * h2s * dh2
                    let dh1: Double = sigma * d11L11 * z1
                    let dh2d: Double = sigma * (d11L21 * z1 + d11L22 * z2)
                    let part1: Double = 3 * h1s * h2c * dh1
                    row[14] = part1 + 3 * h1c * h2s * dh2d
                }
            }
        }
        for i in 0..<rows { for col in 0..<width { sums[col] += x.storage[i * width + col] } }
        return (LinearAlgebra.gemm(x, x, transA: true), sums)
    }
    var gram = Matrix(rows: width, cols: width), sums = [Double](repeating: 0, count: width)
    for (g, s) in parts { gram = gram + g; for col in 0..<width { sums[col] += s[col] } }
    let nn = Double(n)
    let mean = sums.map { $0 / nn }
    var cov = Matrix(rows: width, cols: width)
    for a in 0..<width { for b in 0..<width { cov[a, b] = gram[a, b] / nn - mean[a] * mean[b] } }
    var ccc = Matrix(rows: controls, cols: controls)
    for a in 0..<controls { for b in 0..<controls { ccc[a, b] = cov[a, b] } }
    return (0..<outputs).map { o in
        let y = controls + o
        let beta = solveSPD(ccc, (0..<controls).map { cov[$0, y] })
        var value = mean[y], variance = cov[y, y]
        for c in 0..<controls { value -= beta[c] * mean[c]; variance -= beta[c] * cov[c, y] }
        return Estimate(value: value, se: (variance / nn).squareRoot())
    }
}

@Suite("Isserlis coefficients of the noise moments by Monte Carlo")
struct IsserlisMonteCarloTests {
    /// Correlations 0.2, 0.35, 0.9, 0.98 and unequal diagonals, so that
    /// `B_11 B_22 B_12` and `B_12³` (and `B_11 B_22`, `B_12²`) are told apart.
    static let designs: [NoiseGram] = [
        NoiseGram(1.2, 0.8, correlation: 0.2), NoiseGram(0.8, 1.3, correlation: 0.35),
        NoiseGram(1.0, 1.1, correlation: 0.9), NoiseGram(1.1, 0.9, correlation: 0.98),
    ]
    static let sigma = 0.9
    static let samplesPerDesign = 3_000_000

    /// The library's readable `S_12`, `T_j / B_jj³` (mean of `j = 1, 2`) and the
    /// B-derivatives of `S_12`, noise only (`A = 0`), divided by `u σ⁶`.
    static func library(_ g: NoiseGram) -> [Double] {
        let model = DataModel(dimension: 10, patches: 10, featurePatches: 4, alpha: [1.5, 1.0], noise: sigma)
        let scale = model.noisePatchesPerView * Double.pow(sigma, 6), zero = Matrix(rows: 2, cols: 2)
        func s12(_ b: NoiseGram) -> Double {
            PopulationMoments.sameView(model: model, a: zero, b: b.matrix)[0, 1] / scale
        }
        let t = PopulationMoments(model: model, a: zero, b: g.matrix).targetVariance
        let h = 1e-4
        let up12 = NoiseGram(b11: g.b11, b22: g.b22, b12: g.b12 + h), down12 = NoiseGram(b11: g.b11, b22: g.b22, b12: g.b12 - h)
        let up11 = NoiseGram(b11: g.b11 + h, b22: g.b22, b12: g.b12), down11 = NoiseGram(b11: g.b11 - h, b22: g.b22, b12: g.b12)
        let sixth = (t[0] / Double.pow(g.b11, 3) + t[1] / Double.pow(g.b22, 3)) / (2 * scale)
        return [s12(g), sixth, (s12(up12) - s12(down12)) / (2 * h), (s12(up11) - s12(down11)) / (2 * h)]
    }

    // E[h_r³h_k³] = σ⁶(9 B_rr B_kk B_rk + 6 B_rk³), E[h_j⁶] = 15 σ⁶ B_jj³ and the B-derivatives
    // (9 B_rr B_kk + 18 B_rk², 9 B_kk B_rk): the Monte Carlo fit pins every coefficient to 2%
    // at > 5 SE, and PopulationMoments agrees with it design by design and coefficient by coefficient.
    @Test("9, 6, 15 and the 18 of ∂S/∂B: Monte Carlo of h ~ N(0, σ²B) pins each to 2%", .tags(.slow))
    func isserlisCoefficients() {
        let s6 = Double.pow(Self.sigma, 6)
        let estimates: [[Estimate]] = Self.designs.enumerated().map { i, g in
            isserlisEstimates(g, sigma: Self.sigma, samples: Self.samplesPerDesign, seed: UInt64(17 + i))
                .map { Estimate(value: $0.value / s6, se: $0.se / s6) }
        }
        let library = Self.designs.map(Self.library)
        let names = ["S_12", "T_j / B_jj³", "∂S_12/∂B_12", "∂S_12/∂B_11"]
        for (i, g) in Self.designs.enumerated() {
            for o in 0..<names.count {
                #expect(estimates[i][o].distance(to: library[i][o]) <= 4,
                        "\(g): \(names[o]) library \(library[i][o]) vs Monte Carlo \(estimates[i][o])")
            }
        }
        func pin(_ output: Int, _ basis: (NoiseGram) -> [Double], _ coefficients: [Coefficient]) {
            let rows = Self.designs.map(basis)
            let mc = weightedFit(rows, estimates.map { $0[output] })
            let lib = weightedFit(rows, (0..<rows.count).map { Estimate(value: library[$0][output], se: estimates[$0][output].se) })
            for (c, coefficient) in coefficients.enumerated() {
                expectPinned(mc[c], coefficient)
                #expect(mc[c].distance(to: lib[c].value) <= 4, "\(coefficient.name): library \(lib[c].value) vs Monte Carlo \(mc[c])")
            }
        }
        pin(0, { g in [g.b11 * g.b22 * g.b12, g.b12 * g.b12 * g.b12] },
            [Coefficient(9, [8, 10], "9 of 9 B_rr B_kk B_rk"), Coefficient(6, [5, 7], "6 of 6 B_rk³")])
        pin(1, { _ in [1] }, [Coefficient(15, [14, 16], "15 of E h_j⁶ = 15 B_jj³")])
        pin(2, { g in [g.b11 * g.b22, g.b12 * g.b12] },
            [Coefficient(9, [8], "9 of ∂S_rk/∂B_rk = 9 B_rr B_kk + 18 B_rk²"),
             Coefficient(18, [15, 16], "18 of ∂S_rk/∂B_rk = 9 B_rr B_kk + 18 B_rk²")])
        pin(3, { g in [g.b22 * g.b12] }, [Coefficient(9, [8, 18], "9 of ∂S_rk/∂B_rr = 9 B_kk B_rk")])
    }
}
