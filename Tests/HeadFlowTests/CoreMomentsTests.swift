import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// Monte Carlo estimates of `K_rj = E[f_r(X⁽¹⁾) f_j(X⁽²⁾)]` and
/// `S_rc = E[f_r(X⁽¹⁾) f_c(X⁽¹⁾)]` from the data generator, with standard errors.
/// `f_r(X) = Σ_p ⟨w_r, X_p⟩³` is computed here directly (independently of the library's model code).
func monteCarloMoments(model: DataModel, w: Matrix, samples n: Int, seed: UInt64)
    -> (k: Matrix, s: Matrix, seK: Matrix, seS: Matrix) {
    let m = w.cols, P = model.patches
    let gen = SampleGenerator(model: model, source: RandomSource(seed: seed))
    var sumK = Matrix(rows: m, cols: m), sumK2 = Matrix(rows: m, cols: m)
    var sumS = Matrix(rows: m, cols: m), sumS2 = Matrix(rows: m, cols: m)
    var done = 0
    while done < n {
        let chunk = min(20_000, n - done)
        let batch = gen.batch(chunk)
        let h1 = LinearAlgebra.gemm(batch.view1, w), h2 = LinearAlgebra.gemm(batch.view2, w)
        for i in 0..<chunk {
            var f1 = [Double](repeating: 0, count: m), f2 = [Double](repeating: 0, count: m)
            for p in 0..<P { for r in 0..<m {
                let x = h1[i * P + p, r], y = h2[i * P + p, r]
                f1[r] += x * x * x; f2[r] += y * y * y
            } }
            for r in 0..<m { for c in 0..<m {
                let kv = f1[r] * f2[c], sv = f1[r] * f1[c]
                sumK[r, c] += kv; sumK2[r, c] += kv * kv
                sumS[r, c] += sv; sumS2[r, c] += sv * sv
            } }
        }
        done += chunk
    }
    let nn = Double(n)
    func se(_ s: Matrix, _ s2: Matrix) -> Matrix {
        Matrix(rows: m, cols: m, storage: zip(s.storage, s2.storage).map { (s, s2) in
            ((s2 / nn - (s / nn) * (s / nn)) / nn).squareRoot()
        })
    }
    return ((1 / nn) * sumK, (1 / nn) * sumS, se(sumK, sumK2), se(sumS, sumS2))
}

/// `A = Vᵀ W` (the first k rows) and `B = Wᵀ Π W` (the other rows) of a full `W`.
func reducedCoordinates(_ w: Matrix, features k: Int) -> (a: Matrix, b: Matrix) {
    var a = Matrix(rows: k, cols: w.cols), pw = w
    for l in 0..<k { for j in 0..<w.cols { a[l, j] = w[l, j]; pw[l, j] = 0 } }
    return (a, LinearAlgebra.gemm(pw, pw, transA: true))
}

struct MomentCase: Sendable, CustomTestStringConvertible {
    let model: DataModel
    let wScale: Double
    let m: Int
    var testDescription: String { "d=\(model.dimension) P=\(model.patches) s=\(model.featurePatches) α=\(model.alpha) q=\(model.maskProbability)" }
}

@Suite("Population moments (docs/MODEL.md §3)")
struct CoreMomentsTests {
    static let cases: [MomentCase] = [
        MomentCase(model: DataModel(dimension: 8, patches: 6, featurePatches: 3, alpha: [1.5, 1.0]), wScale: 0.6, m: 2),
        MomentCase(model: DataModel(dimension: 10, patches: 8, featurePatches: 4, alpha: [2.0, 1.2, 0.7],
                                    probabilities: [0.5, 0.3, 0.2], noise: 0.7), wScale: 0.5, m: 3),
        MomentCase(model: DataModel(dimension: 7, patches: 5, featurePatches: 2, alpha: [1.3, 1.0],
                                    noise: 1.2, maskProbability: 0.3), wScale: 0.5, m: 2),
        MomentCase(model: DataModel(dimension: 6, patches: 4, featurePatches: 4, alpha: [1.4, 1.1]), wScale: 0.7, m: 2),
    ]

    // The closed forms K, S agree with Monte Carlo from the generator within 5 standard errors.
    @Test("K and S match Monte Carlo estimates", arguments: cases)
    func momentsMatchMonteCarlo(_ c: MomentCase) {
        let w = RandomSource(seed: 11).gaussianMatrix(rows: c.model.dimension, cols: c.m, sigma: c.wScale)
        let (a, b) = reducedCoordinates(w, features: c.model.featureCount)
        let exact = PopulationMoments(model: c.model, a: a, b: b)
        let mc = monteCarloMoments(model: c.model, w: w, samples: 60_000, seed: 5)
        for i in 0..<(c.m * c.m) {
            #expect(abs(mc.k.storage[i] - exact.cross.storage[i]) <= 5 * mc.seK.storage[i] + 1e-12,
                    "K entry \(i): MC \(mc.k.storage[i]) ± \(mc.seK.storage[i]) vs exact \(exact.cross.storage[i])")
            #expect(abs(mc.s.storage[i] - exact.same.storage[i]) <= 5 * mc.seS.storage[i] + 1e-12,
                    "S entry \(i): MC \(mc.s.storage[i]) ± \(mc.seS.storage[i]) vs exact \(exact.same.storage[i])")
        }
    }

    // The Monte Carlo comparison can fail: same-view and cross-view moments differ
    // (c_= ≠ c_×, and noise only in S), far beyond the statistical error.
    @Test("Monte Carlo separates K from S (the comparison can fail)")
    func crossDiffersFromSame() {
        let c = Self.cases[0]
        let w = RandomSource(seed: 11).gaussianMatrix(rows: c.model.dimension, cols: c.m, sigma: c.wScale)
        let mc = monteCarloMoments(model: c.model, w: w, samples: 60_000, seed: 5)
        let (a, b) = reducedCoordinates(w, features: c.model.featureCount)
        let exact = PopulationMoments(model: c.model, a: a, b: b)
        #expect(abs(mc.s[0, 0] - exact.cross[0, 0]) > 10 * mc.seS[0, 0])
    }

    // Symmetries of the closed forms: S symmetric, K symmetric, S_jj ≥ K_jj ≥ 0.
    @Test("K, S are symmetric and S_jj ≥ |K_jj|")
    func symmetry() {
        let model = DataModel()
        let w = RandomSource(seed: 3).gaussianMatrix(rows: 20, cols: 3, sigma: 0.4)
        let (a, b) = reducedCoordinates(w, features: 2)
        let mo = PopulationMoments(model: model, a: a, b: b)
        #expect((mo.same - mo.same.transposed).maxAbs <= 1e-12 * mo.same.maxAbs)
        #expect((mo.cross - mo.cross.transposed).maxAbs <= 1e-12 * mo.cross.maxAbs)
        for j in 0..<3 { #expect(mo.same[j, j] >= abs(mo.cross[j, j])) }
    }
}
