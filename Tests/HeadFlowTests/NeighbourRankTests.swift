import Testing
import PropertyBased
import RealModule
@testable import HeadFlowNumerics
@testable import HeadFlowData
@testable import HeadFlowModel

/// A random symmetric positive definite m×m matrix `GᵀG + 0.1 I` from `values` (m² numbers).
func randomSecondMoment(_ values: [Double], m: Int) -> Matrix {
    let g = Matrix(rows: m, cols: m, storage: Array(values.prefix(m * m)))
    var s = g.transposed * g
    for i in 0..<m { s[i, i] += 0.1 }
    return s
}

/// `exp(H(p))` of a probability vector, written out for the expected values.
func entropyExp(_ p: [Double]) -> Double { Double.exp(-p.reduce(0) { $0 + ($1 > 0 ? $1 * Double.log($1) : 0) }) }

@Suite("Representation rank: erank and RankMe")
struct NeighbourRankTests {
    // Every neuron on v_1 (B = 0): S has rank one, both ranks are 1.
    @Test("one shared feature → erank = RankMe = 1")
    func collapsedIsOne() {
        let a = Matrix([[1.0, 0.5, -2.0], [0, 0, 0]])
        let s = PopulationMoments(model: DataModel(), a: a, b: Matrix(rows: 3, cols: 3)).same
        let rank = RepresentationRank(secondMoment: s)
        #expect(abs(rank.erank - 1) < 1e-9 && abs(rank.rankMe - 1) < 1e-9, "\(rank)")
    }

    // Each neuron on its own feature, B diagonal: C = I, both ranks are m.
    @Test("uncorrelated outputs → erank = RankMe = m", arguments: [2, 3, 5])
    func uncorrelatedIsM(m: Int) {
        var a = Matrix(rows: m, cols: m), b = Matrix(rows: m, cols: m)
        for j in 0..<m { a[j, j] = 1 + 0.3 * Double(j); b[j, j] = 0.5 + Double(j) }
        let alpha = (0..<m).map { 2.0 - 0.2 * Double($0) }
        let s = PopulationMoments(model: DataModel(alpha: alpha), a: a, b: b).same
        let rank = RepresentationRank(secondMoment: s)
        #expect(abs(rank.erank - Double(m)) < 1e-9 && abs(rank.rankMe - Double(m)) < 1e-9, "\(rank)")
    }

    // C = [[1, c], [c, 1]] has eigenvalues 1 ± c: erank uses p ∝ λ, RankMe p ∝ sqrt λ.
    @Test("two outputs with correlation c: the closed forms", arguments: [0.2, 0.6, -0.9])
    func twoByTwo(c: Double) {
        let s = Matrix([[4, 2 * 3 * c], [2 * 3 * c, 9]])    // variances 4 and 9, correlation c
        let rank = RepresentationRank(secondMoment: s)
        let lp = 1 + c, lm = 1 - c
        #expect(abs(rank.erank - entropyExp([lp / 2, lm / 2])) < 1e-12)
        let rp = lp.squareRoot(), rm = lm.squareRoot()
        #expect(abs(rank.rankMe - entropyExp([rp / (rp + rm), rm / (rp + rm)])) < 1e-12)
        #expect(rank.rankMe > rank.erank + 1e-3)
    }

    // Permuting the outputs or rescaling each by a non-zero factor changes neither rank.
    @Test("invariant under permutation and rescaling of the outputs")
    func invariances() async {
        await propertyCheck(count: 40, input: Gen.double(in: -1...1).array(of: 16), Gen.double(in: 0.05...20).array(of: 4)) { g, scales in
            let s = randomSecondMoment(g, m: 4)
            let base = RepresentationRank(secondMoment: s)
            var p = Matrix(rows: 4, cols: 4)
            for (j, src) in [2, 0, 3, 1].enumerated() { p[src, j] = 1 }
            var d = Matrix(rows: 4, cols: 4)
            for i in 0..<4 { d[i, i] = i == 1 ? -scales[i] : scales[i] }
            for other in [p.transposed * s * p, d * s * d] {
                let r = RepresentationRank(secondMoment: other)
                #expect(abs(r.erank - base.erank) < 1e-10 && abs(r.rankMe - base.rankMe) < 1e-10)
            }
            // 1 ≤ erank ≤ RankMe ≤ m (sqrt flattens the spectrum).
            #expect(base.erank >= 1 - 1e-12 && base.erank <= base.rankMe + 1e-12 && base.rankMe <= 4 + 1e-12)
        }
    }

    // A zero-variance output has no correlation: both ranks are NaN, as ρ_j is.
    @Test("zero variance → NaN")
    func zeroVariance() {
        let s = Matrix([[1, 0], [0, 0]])
        let r = RepresentationRank(secondMoment: s)
        #expect(r.erank.isNaN && r.rankMe.isNaN)
        #expect(RepresentationRank(batchOutputs: Matrix([[1, 2], [3, 2], [5, 2]])).rankMe.isNaN)
    }

    // The head mixes outputs: F = E f has second moment E S Eᵀ; a rank-one head gives rank 1.
    @Test("F = E f: S_F = E S Eᵀ")
    func headedMoment() {
        let s = Matrix([[2, 0.3], [0.3, 1]])
        let e = Matrix([[1, 0.5], [-0.2, 1]])
        let sf = RepresentationRank.secondMoment(of: s, head: e)
        // (E S Eᵀ)_01 = Σ_rc E_0r S_rc E_1c.
        var expected = 0.0
        for r in 0..<2 { for c in 0..<2 { expected += e[0, r] * s[r, c] * e[1, c] } }
        #expect(abs(sf[0, 1] - expected) < 1e-14 && abs(sf[1, 0] - expected) < 1e-14)
        let flat = RepresentationRank(secondMoment: RepresentationRank.secondMoment(of: s, head: Matrix([[1, 1], [2, 2]])))
        #expect(abs(flat.erank - 1) < 1e-9)
    }

    // The batch estimate (SVD of BN'd outputs) agrees with the eigenvalues of its own correlation matrix.
    @Test("batch ranks: singular values of Z = eigenvalues of ZᵀZ/N")
    func batchMatchesItsCorrelation() {
        let f = RandomSource(seed: 9).gaussianMatrix(rows: 300, cols: 3, sigma: 1) * Matrix([[1, 0.4, 0], [0, 1, 0.7], [0, 0, 0.2]])
        var centred = f
        for j in 0..<3 {
            let mean = f.column(j).reduce(0, +) / 300
            for i in 0..<300 { centred[i, j] -= mean }
        }
        let pop = RepresentationRank(secondMoment: (1 / 300.0) * (centred.transposed * centred))
        let batch = RepresentationRank(batchOutputs: f)
        #expect(abs(batch.erank - pop.erank) < 1e-10 && abs(batch.rankMe - pop.rankMe) < 1e-10)
    }

    // BN makes the batch ranks blind to a per-column offset and scale: columns shifted by 10⁶ and −5, one scaled
    // by 1e-3, give the ranks of the original batch (to rounding). And entropyRank is scale-free, also when
    // its weights sum to less than 1.
    @Test("batch ranks: invariant under a per-column offset and scale; entropyRank at small totals")
    func batchOffsetsAndScales() {
        let g = RandomSource(seed: 11).gaussianMatrix(rows: 200, cols: 2, sigma: 1) * Matrix([[1, 0.5], [0, 0.8]])
        var f = g
        // A large offset (10⁶ against a unit spread) also checks that the variance is taken about the mean
        // (Σ(x − μ)², not Σx² − Nμ², which cancels to ~1e-4 here).
        for i in 0..<200 { f[i, 0] = g[i, 0] + 1e6; f[i, 1] = 1e-3 * g[i, 1] - 5 }
        let x = RepresentationRank(batchOutputs: g), y = RepresentationRank(batchOutputs: f)
        #expect(x.erank > 1.05 && x.erank < 1.95, "a partly correlated pair: \(x.erank)")
        #expect(abs(x.erank - y.erank) < 1e-7 && abs(x.rankMe - y.rankMe) < 1e-7, "\(x) vs \(y)")
        #expect(abs(RepresentationRank.entropyRank([0.1, 0.1]) - 2) < 1e-12)
        #expect(abs(RepresentationRank.entropyRank([0.3, 0.1, 0]) - RepresentationRank.entropyRank([3, 1])) < 1e-12)
    }

    // RankMe of a large batch of BN'd generator outputs tends to the population value from S;
    // the comparison separates RankMe (p ∝ sqrt λ) from erank (p ∝ λ).
    @Test("RankMe from batches of generated outputs → the population value")
    func monteCarloRankMe() {
        let model = DataModel(dimension: 8, patches: 6, featurePatches: 3, alpha: [1.5, 1.0, 0.8])
        var w = RandomSource(seed: 21).gaussianMatrix(rows: 8, cols: 3, sigma: 0.3)
        for (l, j) in [(0, 0), (1, 1), (0, 2)] { w[l, j] += 0.6 }
        let (a, b) = reducedCoordinates(w, features: 3)
        let pop = RepresentationRank(secondMoment: PopulationMoments(model: model, a: a, b: b).same)
        let generator = SampleGenerator(model: model, source: RandomSource(seed: 3))
        let batches = (0..<8).map { _ in
            RepresentationRank(batchOutputs: Network.outputs(generator.batch(25_000).view1, patches: model.patches, weights: w))
        }
        func check(_ values: [Double], _ exact: Double, _ wrong: Double, _ name: String) {
            let n = Double(values.count), mean = values.reduce(0, +) / n
            let se = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) / n).squareRoot()
            #expect(abs(mean - exact) <= 5 * se + 2e-3, "\(name): batches \(mean) ± \(se) vs population \(exact)")
            #expect(abs(wrong - exact) > 3 * (5 * se + 2e-3), "\(name): the test cannot tell the two forms apart")
        }
        check(batches.map(\.rankMe), pop.rankMe, pop.erank, "RankMe")
        check(batches.map(\.erank), pop.erank, pop.rankMe, "erank")
    }
}
