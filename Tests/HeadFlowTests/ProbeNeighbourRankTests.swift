import Testing
@testable import HeadFlowNumerics

/// The weighted kNN probe (solo-learn's) and the ranks erank and RankMe of a feature matrix.
@Suite("Probes: weighted kNN and feature ranks")
struct ProbeNeighbourRankTests {
    @Test("kNN by hand: one neighbour at cos 1 outvotes two at cos 0.894 when T = 0.07, not when T = 1")
    func handChecked() {
        // cos((1,0), (1,±0.5)) = 1/√1.25 = 0.894: votes exp(1/T) for class 0 against 2·exp(0.894/T) for class 1.
        let train = Matrix([[1, 0], [1, 0.5], [1, -0.5], [-1, 0]]), labels = [0, 1, 1, 2]
        let query = Matrix([[2, 0]])
        #expect(WeightedKNN(neighbours: 3, temperature: 0.07).predict(train: train, trainLabels: labels, test: query) == [0])
        #expect(WeightedKNN(neighbours: 3, temperature: 1).predict(train: train, trainLabels: labels, test: query) == [1])
        #expect(WeightedKNN(neighbours: 1).predict(train: train, trainLabels: labels, test: Matrix([[-3, 0.1], [0.2, 1]])) == [2, 1])
        // k larger than the training set is cut to it: all four vote.
        #expect(WeightedKNN(neighbours: 20, temperature: 0.07).accuracy(train: train, trainLabels: labels, test: query, testLabels: [0]) == 1)
    }

    @Test("kNN is invariant to rescaling rows (cosine) and gives the same bits on 1 and 2 threads")
    func invariance() {
        let means: [[Double]] = [[1, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0, 0, 1, 0, 0]]
        let train = gaussianClasses(600, means: means, sigma: 0.6, seed: 11), test = gaussianClasses(150, means: means, sigma: 0.6, seed: 12)
        let knn = WeightedKNN(threads: 1)
        let base = knn.predict(train: train.x, trainLabels: train.labels, test: test.x)
        var scaledTrain = train.x, scaledTest = test.x
        for i in 0..<scaledTrain.rows { for j in 0..<10 { scaledTrain[i, j] *= Double(1 << (i % 7)) / 8 } }
        for i in 0..<scaledTest.rows { for j in 0..<10 { scaledTest[i, j] *= 1024 } }
        #expect(knn.predict(train: scaledTrain, trainLabels: train.labels, test: scaledTest) == base)
        #expect(WeightedKNN(threads: 2).predict(train: train.x, trainLabels: train.labels, test: test.x) == base)
        let accuracy = SoftmaxRegression.accuracy(base, test.labels)
        #expect(accuracy > 0.8)
    }

    @Test("erank and RankMe: uncorrelated equal columns give m; a rank-r matrix at most r")
    func ranks() {
        // The 16 sign patterns of 4 columns: centred, orthogonal, equal norms.
        let signs = Matrix((0..<16).map { r in (0..<4).map { Double((r >> $0) & 1) * 2 - 1 } })
        let full = FeatureRank(features: signs)
        #expect(abs(full.erank - 4) < 1e-12)
        #expect(abs(full.rankMe - 4) < 1e-5)
        #expect(FeatureRank.entropyRank([1, 1, 1, 1, 0]) == 4)
        let source = RandomSource(seed: 4)
        for r in 1...4 {
            let a = Matrix(rows: 300, cols: r, storage: (0..<(300 * r)).map { _ in source.gaussian() })
            let b = Matrix(rows: r, cols: 12, storage: (0..<(r * 12)).map { _ in source.gaussian() })
            let rank = FeatureRank(features: a * b)
            #expect(rank.erank <= Double(r) + 1e-9 && rank.erank >= 1)
            #expect(rank.rankMe <= Double(r) + 1e-4 && rank.rankMe >= 1)
            #expect(FeatureRank.standardisedSingularValues(a * b)[r...].allSatisfy { $0 < 1e-6 })
        }
    }

    @Test("ranks are invariant to scaling and shifting columns; a dead column lowers them, all dead is NaN")
    func rankInvariance() {
        let source = RandomSource(seed: 6)
        let x = Matrix(rows: 500, cols: 6, storage: (0..<3000).map { _ in source.gaussian() })
        var y = x
        for i in 0..<500 { for j in 0..<6 { y[i, j] = x[i, j] * Double(j + 1) * 3.7 - 11 * Double(j) } }
        let rx = FeatureRank(features: x), ry = FeatureRank(features: y)
        #expect(abs(rx.erank - ry.erank) < 1e-9 && abs(rx.rankMe - ry.rankMe) < 1e-9)
        #expect(rx.erank > 5.5 && rx.erank < 6)
        var dead = x
        for i in 0..<500 { dead[i, 2] = 0.25 }
        #expect(FeatureRank(features: dead).erank < rx.erank - 0.5)
        #expect(FeatureRank(features: Matrix(rows: 10, cols: 3, repeating: 1)).erank.isNaN)
        #expect(FeatureRank(features: Matrix(rows: 10, cols: 3, repeating: 1)).rankMe.isNaN)
    }
}
