import Testing
import PropertyBased
@testable import HeadFlowNumerics
@testable import HeadFlowData

@Suite("Synthetic data (docs/MODEL.md §1)")
struct CoreDataTests {
    // The same seed gives the same samples; another seed gives others.
    @Test("same seed, same samples")
    func seededDeterminism() {
        let model = DataModel(dimension: 12, patches: 6, featurePatches: 2)
        let a = SampleGenerator(model: model, source: RandomSource(seed: 7)).batch(50)
        let b = SampleGenerator(model: model, source: RandomSource(seed: 7)).batch(50)
        let c = SampleGenerator(model: model, source: RandomSource(seed: 8)).batch(50)
        #expect(a.view1 == b.view1 && a.view2 == b.view2 && a.features == b.features && a.signs == b.signs)
        #expect(a.view1 != c.view1)
    }

    // Every patch is in exactly one view; exactly s patches carry ε α_ℓ v_ℓ; noise patches are orthogonal to V.
    @Test("sample structure: views partition the patches, s feature patches, noise ⟂ features")
    func sampleStructure() async {
        await propertyCheck(count: 20, input: Gen.int(in: 1...6), Gen.int(in: 0...1_000_000)) { s, seed in
            let model = DataModel(dimension: 9, patches: 6, featurePatches: s, alpha: [1.7, 1.1, 0.6])
            let batch = SampleGenerator(model: model, source: RandomSource(seed: UInt64(seed))).batch(20)
            for i in 0..<batch.count {
                var featurePatches = 0, inView1 = 0
                for p in 0..<model.patches {
                    let row = i * model.patches + p
                    let r1 = (0..<9).map { batch.view1[row, $0] }, r2 = (0..<9).map { batch.view2[row, $0] }
                    let nz1 = r1.contains { $0 != 0 }, nz2 = r2.contains { $0 != 0 }
                    #expect(nz1 != nz2, "patch \(p) of sample \(i) must be in exactly one view")
                    let x = nz1 ? r1 : r2
                    let ell = batch.features[i]
                    let isFeature = x[ell] != 0
                    if isFeature {
                        featurePatches += 1
                        if nz1 { inView1 += 1 }
                        #expect(x[ell] == batch.signs[i] * model.alpha[ell])
                        #expect(x.enumerated().allSatisfy { $0.offset == ell || $0.element == 0 })
                    } else {
                        #expect(x[0] == 0 && x[1] == 0 && x[2] == 0, "noise must lie in the complement of V")
                    }
                }
                #expect(featurePatches == s)
                #expect(inView1 == batch.featurePatchesInView1[i])
            }
        }
    }

    // Frequencies: ℓ ~ p, ε fair, patch to view 1 with probability q, noise variance σ_ξ² — within 5 standard errors.
    @Test("feature, sign, mask and noise frequencies match their laws")
    func frequencies() {
        let model = DataModel(dimension: 6, patches: 10, featurePatches: 3, alpha: [1.5, 1.0, 0.5],
                              probabilities: [0.6, 0.3, 0.1], noise: 0.8, maskProbability: 0.3)
        let n = 20_000
        let batch = SampleGenerator(model: model, source: RandomSource(seed: 3)).batch(n)
        for (l, p) in model.probabilities.enumerated() {
            let f = Double(batch.features.filter { $0 == l }.count) / Double(n)
            #expect(abs(f - p) <= 5 * (p * (1 - p) / Double(n)).squareRoot())
        }
        let plus = Double(batch.signs.filter { $0 > 0 }.count) / Double(n)
        #expect(abs(plus - 0.5) <= 5 * (0.25 / Double(n)).squareRoot())
        let q = Double(batch.featurePatchesInView1.reduce(0, +)) / Double(3 * n)
        #expect(abs(q - 0.3) <= 5 * (0.21 / Double(3 * n)).squareRoot())
        var sum2 = 0.0, count = 0
        for row in 0..<(n * 10) { for c in 3..<6 {
            let x = batch.view1[row, c] + batch.view2[row, c]
            if x != 0 { sum2 += x * x; count += 1 }
        } }
        let variance = sum2 / Double(count)
        #expect(abs(variance - 0.64) <= 5 * 0.64 * (2 / Double(count)).squareRoot())
    }
}
