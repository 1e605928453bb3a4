extension WeightedKNN {
    /// The predictions by the definition, in plain loops: for each test row, the cosine similarity to
    /// every training row in `Double`, the `k` largest (the earlier row on a tie), their vote. The
    /// version the fast `predict` is tested against.
    func reference(train: Matrix, trainLabels: [Int], test: Matrix) -> [Int] {
        let k = min(neighbours, train.rows), classes = (trainLabels.max() ?? 0) + 1
        func unit(_ x: Matrix, _ i: Int) -> [Double] {
            let row = (0..<x.cols).map { x[i, $0] }
            let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return row.map { $0 / norm }
        }
        let bank = (0..<train.rows).map { unit(train, $0) }
        return (0..<test.rows).map { i in
            let q = unit(test, i)
            let similarity = bank.map { t in zip(q, t).reduce(0) { $0 + $1.0 * $1.1 } }
            let nearest = similarity.indices.sorted { similarity[$0] > similarity[$1] || (similarity[$0] == similarity[$1] && $0 < $1) }
            return vote(similarities: nearest[0..<k].map { similarity[$0] }, labels: nearest[0..<k].map { trainLabels[$0] },
                        classes: classes)
        }
    }
}
