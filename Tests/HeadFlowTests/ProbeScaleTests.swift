import Foundation
import Testing
@testable import HeadFlowNumerics

/// The probes at the size of a Fashion-MNIST evaluation: 60,000 training and 10,000 test rows of
/// m = 64 features, 10 classes. Not a timed test: it prints the times (the README's figures).
@Suite("Probes at scale: 60,000 × 64 features, 10 classes")
struct ProbeScaleTests {
    @Test("the linear probe, kNN and ranks run on 60,000 × 64 features and beat chance", .tags(.slow))
    func fashionSized() {
        let source = RandomSource(seed: 20)
        let means = (0..<10).map { _ in (0..<64).map { _ in source.gaussian(sigma: 0.25) } }
        let train = gaussianClasses(60_000, means: means, sigma: 1, seed: 21), test = gaussianClasses(10_000, means: means, sigma: 1, seed: 22)
        /// Wall and CPU seconds (this process, all threads) of `body`.
        func timed(_ body: () -> Void) -> String {
            let wall = ContinuousClock.now, cpu = clock()
            body()
            let w = ContinuousClock.now - wall, c = Double(clock() - cpu) / Double(CLOCKS_PER_SEC)
            return "\(w) wall, \(c) s CPU"
        }
        var probe = LinearProbeResult?.none, knn = Double.nan, rank = FeatureRank(features: Matrix(rows: 1, cols: 1))
        let tProbe = timed { probe = LinearProbe().evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels) }
        let tKNN = timed { knn = WeightedKNN().accuracy(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels) }
        let tRank = timed { rank = FeatureRank(features: train.x) }
        let p = probe!
        print("probe scale: linear probe \(tProbe) (accuracy \(p.accuracy), λ \(p.penalty), held-out \(p.heldOutAccuracy), "
              + "final fit \(p.fit.iterations) iterations, \(p.fit.evaluations) evaluations, \(p.fit.status)); "
              + "kNN \(tKNN) (accuracy \(knn)); ranks \(tRank) (erank \(rank.erank), RankMe \(rank.rankMe)); \(WorkerPool.coreCount) cores")
        #expect(p.accuracy > 0.5 && knn > 0.3)
        #expect(p.heldOutAccuracy.filter { !$0.isNaN }.count >= 2 && p.heldOutAccuracy.allSatisfy { $0.isNaN || $0 > 0.5 })
        #expect(rank.erank > 60 && rank.erank <= 64)
    }
}
