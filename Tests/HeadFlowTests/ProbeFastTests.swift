import Testing
@testable import HeadFlowNumerics

/// The probes' fast paths (OpenBLAS products, blocks, threads) against their readable versions.
@Suite("Probes: the BLAS paths equal the readable loops")
struct ProbeFastTests {
    /// Uniform rows with a shifted, scaled column each and random labels: no structure to hide an error in.
    static func data(_ n: Int, _ m: Int, classes: Int, seed: UInt64) -> (x: Matrix, labels: [Int]) {
        let source = RandomSource(seed: seed)
        var x = Matrix(rows: n, cols: m)
        for i in 0..<n { for j in 0..<m { x[i, j] = (source.gaussian() + Double(j % 5)) * Double(1 + j % 3) } }
        return (x, (0..<n).map { _ in source.uniformInt(classes) })
    }

    /// `(L, ∇L)` of `objective` at θ.
    static func evaluate(_ objective: SoftmaxObjective, _ theta: [Double]) -> (loss: Double, gradient: [Double]) {
        var g = [Double](repeating: .nan, count: theta.count)
        let loss = theta.withUnsafeBufferPointer { t in g.withUnsafeMutableBufferPointer { objective.evaluate(t, gradient: $0) } }
        return (loss, g)
    }

    /// The rows `rows` of `x`, as a matrix.
    static func gather(_ x: Matrix, _ rows: [Int]) -> Matrix {
        Matrix(rows: rows.count, cols: x.cols, storage: rows.flatMap { i in x.storage[(i * x.cols)..<((i + 1) * x.cols)] })
    }

    // Fast = readable: |ΔL| ≤ 10⁻¹² |L| and max|Δ∇L| ≤ 10⁻¹² max|∇L|, over many blocks and chunks and a partial last block.
    @Test("the softmax loss and gradient by BLAS blocks equal the plain loops to 1e-12, on any thread count",
          arguments: [(9_001, 37, 7), (700, 784, 10), (300, 1, 3), (50, 0, 4)])
    func objectiveAgainstReference(n: Int, m: Int, classes: Int) {
        let (x, labels) = Self.data(n, m, classes: classes, seed: UInt64(n + m))
        let source = RandomSource(seed: 3)
        let theta = (0..<(classes * (m + 1))).map { _ in source.gaussian(sigma: 0.3) }
        let expected = SoftmaxObjective.reference(x, labels: labels, classes: classes, penalty: 0.05, theta: theta)
        let one = Self.evaluate(SoftmaxObjective(x, labels: labels, classes: classes, penalty: 0.05, threads: 1), theta)
        let two = Self.evaluate(SoftmaxObjective(x, labels: labels, classes: classes, penalty: 0.05, threads: 2), theta)
        #expect(one.loss == two.loss && one.gradient == two.gradient)
        // Blocks of 7 rows: many blocks per chunk, a partial last block.
        let small = Self.evaluate(SoftmaxObjective(x, rows: nil, standardiser: nil, labels: labels, classes: classes, penalty: 0.05,
                                                   threads: 2, blockRows: 7), theta)
        let scale = expected.gradient.map(abs).max()!
        for (name, fast) in [("256-row blocks", one), ("7-row blocks", small)] {
            #expect(abs(fast.loss - expected.loss) <= 1e-12 * abs(expected.loss), "\(name): loss \(fast.loss) against \(expected.loss)")
            let worst = zip(fast.gradient, expected.gradient).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-12 * scale, "\(name): gradient error \(worst), largest component \(scale)")
        }
        let valueOnly = theta.withUnsafeBufferPointer {
            SoftmaxObjective(x, labels: labels, classes: classes, penalty: 0.05, threads: 2).evaluate($0, gradient: nil)
        }
        #expect(valueOnly == one.loss)
    }

    @Test("a gradient asked for at the point of the last value costs no second pass and has a fresh pass's bits")
    func cache() {
        let (x, labels) = Self.data(600, 9, classes: 4, seed: 12)
        let source = RandomSource(seed: 5)
        let theta = (0..<40).map { _ in source.gaussian(sigma: 0.4) }, other = theta.map { $0 * 0.5 }
        let objective = SoftmaxObjective(x, labels: labels, classes: 4, penalty: 0.1, threads: 2)
        let value = theta.withUnsafeBufferPointer { objective.evaluate($0, gradient: nil) }
        let both = Self.evaluate(objective, theta)
        #expect(objective.passes == 1)
        let fresh = Self.evaluate(SoftmaxObjective(x, labels: labels, classes: 4, penalty: 0.1, threads: 1), theta)
        #expect(value == fresh.loss && both.loss == fresh.loss && both.gradient == fresh.gradient)
        // A new point is a new pass; so is a return to an earlier one (one point is kept), and −0 is not +0.
        let moved = Self.evaluate(objective, other), back = Self.evaluate(objective, theta)
        #expect(objective.passes == 3 && moved.loss != fresh.loss && back.gradient == fresh.gradient)
        var signed = theta
        signed[3] = 0
        _ = Self.evaluate(objective, signed)
        signed[3] = -0.0
        _ = Self.evaluate(objective, signed)
        #expect(objective.passes == 5)
    }

    @Test("no examples: the loss is the penalty alone and the gradient λW")
    func empty() {
        let theta = [0.5, -1, 2, 0.25, 3, 1]  // K = 2, m = 2
        let (loss, gradient) = Self.evaluate(SoftmaxObjective(Matrix(rows: 0, cols: 2), labels: [], classes: 2, penalty: 0.1), theta)
        #expect(abs(loss - 0.05 * (0.25 + 1 + 0.0625 + 9)) < 1e-15)
        #expect(gradient == [0.05, -0.1, 0, 0.025, 0.30000000000000004, 0])
    }

    @Test("the objective on a subset of rows standardised in place has the bits of the materialised subset")
    func subsetInPlace() {
        let (x, labels) = Self.data(3_000, 23, classes: 5, seed: 8)
        let rows = LinearProbe.heldOutRows(3_000).map { $0 + 1 }.filter { $0 < 3_000 } + [0, 2_999, 17]
        let standardiser = FeatureStandardiser(fitting: x, rows: rows)
        let gathered = Self.gather(x, rows)
        #expect(standardiser == FeatureStandardiser(fitting: gathered))
        let source = RandomSource(seed: 4)
        let theta = (0..<(5 * 24)).map { _ in source.gaussian(sigma: 0.5) }
        let subsetLabels = rows.map { labels[$0] }
        for threads in [1, 2] {
            let inPlace = Self.evaluate(SoftmaxObjective(x, rows: rows, standardiser: standardiser, labels: subsetLabels,
                                                         classes: 5, penalty: 0.2, threads: threads), theta)
            let copied = Self.evaluate(SoftmaxObjective(standardiser.apply(gathered), labels: subsetLabels, classes: 5,
                                                        penalty: 0.2, threads: threads), theta)
            #expect(inPlace.loss == copied.loss && inPlace.gradient == copied.gradient)
            let raw = Self.evaluate(SoftmaxObjective(x, rows: rows, standardiser: nil, labels: subsetLabels, classes: 5,
                                                     penalty: 0.2, threads: threads), theta)
            let rawCopied = Self.evaluate(SoftmaxObjective(gathered, labels: subsetLabels, classes: 5, penalty: 0.2,
                                                           threads: threads), theta)
            #expect(raw.loss == rawCopied.loss && raw.gradient == rawCopied.gradient)
        }
        let model = SoftmaxRegression(classes: 5, features: 23, parameters: theta)
        #expect(model.predict(x, rows: rows, standardiser: standardiser) == model.predict(standardiser.apply(gathered)))
    }

    @Test("the linear probe equals its steps done by hand on copied, standardised rows (bits), on 1 and 2 threads")
    func probeAgainstSteps() {
        let means: [[Double]] = [[1, 0, 0, 0, 2], [0, 1, 0, 0, 2], [0, 0, 1, 0, 2], [0, 0, 0, 1, 2]]
        let train = gaussianClasses(2_000, means: means, sigma: 1.2, seed: 31), test = gaussianClasses(500, means: means, sigma: 1.2, seed: 32)
        let probe = LinearProbe(penalties: [1e-3, 1e-1, 10], threads: 2, stopsEarly: false)
        let result = probe.evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(LinearProbe(penalties: [1e-3, 1e-1, 10], threads: 1, stopsEarly: false)
            .evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels) == result)
        // By hand, as the probe did before it read rows in place: copy the kept and held rows, standardise, fit λ = 10, 0.1, 0.001.
        let held = LinearProbe.heldOutRows(2_000), isHeld = Set(held), kept = (0..<2_000).filter { !isHeld.contains($0) }
        let fitRows = Self.gather(train.x, kept), standardiser = FeatureStandardiser(fitting: fitRows)
        let x = standardiser.apply(fitRows), xHeld = standardiser.apply(Self.gather(train.x, held))
        var start: [Double]? = nil, accuracies = [Double](), starts = [[Double]]()
        for lambda in [10, 1e-1, 1e-3] {
            let model = SoftmaxRegression.fit(x, labels: kept.map { train.labels[$0] }, classes: 4, penalty: lambda, start: start,
                                              minimizer: LinearProbe.defaultMinimizer, threads: 1).model
            accuracies.append(model.accuracy(xHeld, labels: held.map { train.labels[$0] }))
            start = model.parameters; starts.append(model.parameters)
        }
        #expect(result.heldOutAccuracy == accuracies.reversed())
        let best = accuracies.indices.reduce(0) { accuracies[$1] > accuracies[$0] ? $1 : $0 }
        #expect(result.penalty == [10, 1e-1, 1e-3][best])
        let full = FeatureStandardiser(fitting: train.x)
        let (model, fit) = SoftmaxRegression.fit(full.apply(train.x), labels: train.labels, classes: 4, penalty: result.penalty,
                                                 start: starts[best], minimizer: LinearProbe.defaultMinimizer)
        #expect(result.model == model && result.fit == fit && result.standardiser == full)
        #expect(result.accuracy == model.accuracy(full.apply(test.x), labels: test.labels))
        #expect(result.accuracy > 0.4)  // chance is 0.25
    }

    // The early stop walks the full grid's path and leaves it at its first λ that does not raise the held-out accuracy.
    @Test("the λ path stops at the first λ not above the best held-out accuracy; on a one-peak curve the result is the full grid's",
          arguments: [UInt64(41), 42, 43])
    func earlyStop(seed: UInt64) {
        // Few rows, many noise columns: small λ overfit, so the held-out accuracy rises and falls.
        let means = (0..<3).map { c in (0..<40).map { j in j == c ? 1.5 : 0 } }
        let train = gaussianClasses(300, means: means, sigma: 1, seed: seed + 100), test = gaussianClasses(300, means: means, sigma: 1, seed: seed + 200)
        let grid = [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 0.3, 1, 10]
        let full = LinearProbe(penalties: grid, threads: 2, stopsEarly: false)
            .evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        let early = LinearProbe(penalties: grid, threads: 2, stopsEarly: true)
            .evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(identical(early, LinearProbe(penalties: grid, threads: 1, stopsEarly: true)
            .evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)))
        let path = Array(grid.indices.reversed())  // largest λ first
        let fullPath = path.map { full.heldOutAccuracy[$0] }
        var stop = path.count - 1
        for i in 1..<path.count where fullPath[i] <= fullPath[..<i].max()! { stop = i; break }
        #expect(stop < path.count - 1, "the path \(fullPath) never stops: the test needs a curve that falls")
        for (i, p) in path.enumerated() {
            if i <= stop { #expect(early.heldOutAccuracy[p] == full.heldOutAccuracy[p]) } else { #expect(early.heldOutAccuracy[p].isNaN) }
        }
        let peak = fullPath[...stop].max()!
        #expect(early.penalty == grid[path[fullPath.firstIndex(of: peak)!]])
        if fullPath.max()! == peak {
            #expect(early.penalty == full.penalty && early.model == full.model && early.accuracy == full.accuracy)
        }
    }

    @Test("the Gram matrix of the ranks by BLAS blocks equals the plain loops to 1e-12, on any thread count",
          arguments: [(2_000, 40), (700, 300), (5, 3)])
    func gramAgainstReference(n: Int, m: Int) {
        var (x, _) = Self.data(n, m, classes: 2, seed: UInt64(n * m))
        for i in 0..<n { x[i, m - 1] = 7 }  // a constant column: zero row and column
        let expected = FeatureRank.referenceGram(x)
        let one = FeatureRank.standardisedGram(x, threads: 1), two = FeatureRank.standardisedGram(x, threads: 2)
        #expect(one == two && one == one.transposed)
        #expect((one - expected).maxAbs <= 1e-12 * expected.maxAbs, "error \((one - expected).maxAbs) of \(expected.maxAbs)")
        #expect(one.column(m - 1).allSatisfy { $0 == 0 })
        #expect(FeatureRank(features: x, threads: 1) == FeatureRank(features: x, threads: 2))
    }

    @Test("a tie ends the λ path: on separable classes λ = 0.1 ties λ = 1 at held-out accuracy 1, and λ = 1 is kept (so too by the full grid, the default)")
    func tieStops() {
        // λ = 10 shrinks the weights too far (0.65); λ = 1 and 0.1 both classify every held-out row.
        let means: [[Double]] = [[6, 0, 0], [0, 6, 0], [0, 0, 6], [-6, -6, 0]]
        let train = gaussianClasses(400, means: means, sigma: 0.5, seed: 1), test = gaussianClasses(200, means: means, sigma: 0.5, seed: 2)
        let result = LinearProbe(threads: 2, stopsEarly: true).evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        let held = result.heldOutAccuracy  // λ = 1e-4 … 10
        #expect(held[0...2].allSatisfy(\.isNaN) && held[3] == 1 && held[4] == 1 && held[5] < 1, "\(held)")
        #expect(result.penalty == 1 && result.accuracy == 1)
        // The full grid (the default) fits every λ and, on the tie, also keeps the larger λ = 1.
        let full = LinearProbe(threads: 2).evaluate(train: train.x, trainLabels: train.labels, test: test.x, testLabels: test.labels)
        #expect(!full.heldOutAccuracy.contains { $0.isNaN } && full.penalty == 1, "\(full.heldOutAccuracy)")
    }

    // Continuous Gaussian data: no two similarities within float rounding of each other at the k-th place (checked).
    @Test("kNN by sgemm tiles equals the plain loops (similarities in Double), on 1 and 2 threads",
          arguments: [(5_000, 300, 12, 20), (4_200, 70, 100, 20), (30, 9, 4, 30), (200, 65, 1, 5)])
    func knnAgainstReference(n: Int, queries: Int, m: Int, k: Int) {
        let source = RandomSource(seed: UInt64(n + m))
        let centres = (0..<6).map { _ in (0..<m).map { _ in source.gaussian() } }
        let train = gaussianClasses(n, means: centres, sigma: 1.5, seed: UInt64(m)), test = gaussianClasses(queries, means: centres, sigma: 1.5, seed: 99)
        let knn = WeightedKNN(neighbours: k, temperature: 0.07, threads: 1)
        let expected = knn.reference(train: train.x, trainLabels: train.labels, test: test.x)
        let fast = knn.predict(train: train.x, trainLabels: train.labels, test: test.x)
        #expect(fast == expected)
        var threads = knn
        threads.threads = 2
        #expect(threads.predict(train: train.x, trainLabels: train.labels, test: test.x) == fast)
        // The predictions are not all one class (a broken similarity would still agree with itself).
        #expect(Set(expected).count > 1 || m == 1)
    }

    @Test("kNN: a neighbour found in a later tile of training rows votes (4,096 rows per tile)")
    func laterTile() {
        // Every training row points away from the query except row 5,000, in the second tile, of class 3.
        var train = Matrix(rows: 5_001, cols: 2, repeating: 0)
        for i in 0..<5_001 { train[i, 0] = -1; train[i, 1] = Double(i % 7) / 100 }
        train[5_000, 0] = 1; train[5_000, 1] = 0
        let labels = (0..<5_001).map { $0 == 5_000 ? 3 : 0 }
        let query = Matrix([[1, 0], [-1, 0]])
        #expect(WeightedKNN(neighbours: 1).predict(train: train, trainLabels: labels, test: query) == [3, 0])
        #expect(WeightedKNN(neighbours: 1).reference(train: train, trainLabels: labels, test: query) == [3, 0])
    }
}
