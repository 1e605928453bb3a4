extension FeatureRank {
    /// `ZᵀZ` by the definition, in plain loops over the rows of `FeatureStandardiser(fitting: x).apply(x)`:
    /// the version `standardisedGram` is tested against.
    static func referenceGram(_ x: Matrix) -> Matrix {
        let z = FeatureStandardiser(fitting: x).apply(x)
        var gram = Matrix(rows: x.cols, cols: x.cols)
        for i in 0..<z.rows { for a in 0..<z.cols { for b in 0..<z.cols { gram[a, b] += z[i, a] * z[i, b] } } }
        return gram
    }
}
