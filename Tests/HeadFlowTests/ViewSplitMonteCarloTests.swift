import Testing
@testable import HeadFlowNumerics
@testable import HeadFlowData

/// Monte Carlo means, from the real sample generator, of `n_1 n_2`, `n_1²` and
/// the number of noise patches in view 1, where `n_1`, `n_2` count the feature
/// patches of the two views. The counts are read off the views themselves
/// (`d = k + 1`: a view-1 row is a feature patch when it is nonzero in the
/// first `k` coordinates, a noise patch when its last coordinate is), not from
/// the generator's own bookkeeping.
func viewSplitEstimates(_ model: DataModel, samples n: Int, seed: UInt64) -> [Estimate] {
    precondition(model.dimension == model.featureCount + 1, "one noise coordinate")
    let chunk = 10_000, chunks = (n + chunk - 1) / chunk
    let k = model.featureCount, d = model.dimension, P = model.patches
    let parts = WorkerPool.map(Array(0..<chunks)) { (c: Int) -> [Double] in
        let rows = min(chunk, n - c * chunk)
        let batch = SampleGenerator(model: model, source: RandomSource(seed: seed &* 7_919 &+ UInt64(c))).batch(rows)
        var sums = [Double](repeating: 0, count: 6)
        batch.view1.storage.withUnsafeBufferPointer { v1 in
            batch.view2.storage.withUnsafeBufferPointer { v2 in
                for i in 0..<rows {
                    var n1 = 0.0, n2 = 0.0, noise1 = 0.0
                    for p in 0..<P {
                        let base = (i * P + p) * d
                        var f1 = false, f2 = false
                        for l in 0..<k { f1 = f1 || v1[base + l] != 0; f2 = f2 || v2[base + l] != 0 }
                        if f1 { n1 += 1 }
                        if f2 { n2 += 1 }
                        if v1[base + k] != 0 { noise1 += 1 }
                    }
                    let values = [n1 * n2, n1 * n1, noise1]
                    for q in 0..<3 { sums[q] += values[q]; sums[3 + q] += values[q] * values[q] }
                }
            }
        }
        return sums
    }
    let nn = Double(n)
    return (0..<3).map { q in
        let mean = parts.reduce(0) { $0 + $1[q] } / nn, square = parts.reduce(0) { $0 + $1[3 + q] } / nn
        return Estimate(value: mean, se: ((square - mean * mean) / nn).squareRoot())
    }
}

@Suite("View-split counts c_×, c_=, u by Monte Carlo of the sample generator")
struct ViewSplitMonteCarloTests {
    // E[n_1 n_2] = s(s−1)/4, E[n_1²] = s(s+1)/4, E[#noise patches in view 1] = (P − s)/2 for a fair
    // mask: the generator's counts pin each to 2% at > 5 SE, and DataModel's values agree.
    @Test("fair mask: c_× = s(s−1)/4, c_= = s(s+1)/4, u = (P−s)/2 to 2%")
    func fairMask() {
        let model = DataModel(dimension: 3, patches: 12, featurePatches: 8, alpha: [1.5, 1.0])
        let s = 8.0, P = 12.0
        let est = viewSplitEstimates(model, samples: 200_000, seed: 3)
        expectPinned(est[0], Coefficient(s * (s - 1) / 4, [s * s / 4, s * (s + 1) / 4], "c_× = E[n_1 n_2]"))
        expectPinned(est[1], Coefficient(s * (s + 1) / 4, [s * s / 4, s * (s - 1) / 4], "c_= = E[n_1²]"))
        expectPinned(est[2], Coefficient((P - s) / 2, [P / 2, (P - s + 1) / 2], "u = E[noise patches in view 1]"))
        let library = [model.crossViewCount, model.sameViewCount, model.noisePatchesPerView]
        for (e, lib) in zip(est, library) { #expect(e.distance(to: lib) <= 4, "library \(lib) vs Monte Carlo \(e)") }
    }

    // For a biased mask q: c_× = s(s−1)q(1−q), c_= = sq(1−q) + s²q², u = (P−s)q — the same checks.
    @Test("mask probability q = 0.3: c_× = s(s−1)q(1−q), c_= = sq(1−q) + s²q², u = (P−s)q to 2%")
    func biasedMask() {
        let q = 0.3, s = 5.0, P = 10.0
        let model = DataModel(dimension: 4, patches: 10, featurePatches: 5, alpha: [1.5, 1.0, 0.7], maskProbability: q)
        let est = viewSplitEstimates(model, samples: 200_000, seed: 4)
        expectPinned(est[0], Coefficient(s * (s - 1) * q * (1 - q), [s * (s - 1) / 4, s * s * q * (1 - q)], "c_× = E[n_1 n_2]"))
        expectPinned(est[1], Coefficient(s * q * (1 - q) + s * s * q * q, [s * (s + 1) / 4, s * s * q * q], "c_= = E[n_1²]"))
        expectPinned(est[2], Coefficient((P - s) * q, [(P - s) / 2, (P - s) * (1 - q)], "u = E[noise patches in view 1]"))
        let library = [model.crossViewCount, model.sameViewCount, model.noisePatchesPerView]
        for (e, lib) in zip(est, library) { #expect(e.distance(to: lib) <= 4, "library \(lib) vs Monte Carlo \(e)") }
    }
}
