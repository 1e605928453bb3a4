import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// How the start `(A(0), B(0), E(0))` is chosen (docs/MODEL.md §4).
public enum InitialCondition: Sendable {
    /// `a_{ℓj}(0) ~ N(0, σ_0²)`, `B(0) ~ σ_0² Wishart_m(d − k, I)` (the exact law of
    /// `Wᵀ Π W` for Gaussian `W`, sampled by the Bartlett decomposition), `E(0)`
    /// from the head variant; `σ_0 = 1/√d` by default.
    case random(seed: UInt64, scale: Double?)
    /// An explicit `A(0)` (k×m) and `B(0)` (m×m, symmetric positive semidefinite),
    /// so that a case can be replayed exactly. `B(0)` nil: sampled as in `.random`.
    case explicit(a: Matrix, b: Matrix?, seed: UInt64)

    /// The reduced start for `model`, `neurons` and `head`. Draw order from the
    /// seed: `A`, then `R`, then a random head.
    public func state(model: DataModel, neurons m: Int, head: HeadKind) throws(ParameterError) -> ReducedState {
        let k = model.featureCount
        switch self {
        case .random(let seed, let scale):
            let source = RandomSource(seed: seed)
            let s0 = try Self.scale(scale, model: model)
            let a = source.gaussianMatrix(rows: k, cols: m, sigma: s0)
            let r = try Self.randomR(source: source, model: model, neurons: m, scale: s0)
            guard a.isFinite, (r.transposed * r).isFinite else {
                throw ParameterError("init-scale", must: "small enough that the random start A(0), B(0) is finite", got: "\(s0)")
            }
            return ReducedState(a: a, r: r, e: head.initialHead(neurons: m, source: source))
        case .explicit(let a, let b, let seed):
            guard a.rows == k, a.cols == m else {
                throw ParameterError("init-a", must: "a \(k)×\(m) matrix (rows ℓ = 1…k, columns j = 1…m)", got: "\(a.rows)×\(a.cols)")
            }
            guard a.isFinite else { throw ParameterError("init-a", must: "finite numbers", got: "\(a.storage)") }
            let source = RandomSource(seed: seed)
            let r: Matrix
            if let b {
                guard b.rows == m, b.cols == m else {
                    throw ParameterError("init-b", must: "an \(m)×\(m) matrix", got: "\(b.rows)×\(b.cols)")
                }
                guard let f = LinearAlgebra.gramFactor(b) else {
                    throw ParameterError("init-b", must: "a finite symmetric positive semidefinite matrix", got: "\(b.rowArrays)")
                }
                r = f
            } else {
                r = try Self.randomR(source: source, model: model, neurons: m, scale: Self.scale(nil, model: model))
            }
            return ReducedState(a: a, r: r, e: head.initialHead(neurons: m, source: source))
        }
    }

    private static func scale(_ s: Double?, model: DataModel) throws(ParameterError) -> Double {
        let s0 = s ?? 1 / Double(model.dimension).squareRoot()
        try require(s0, "init-scale", "a finite σ_0 > 0", { $0 > 0 })
        return s0
    }

    private static func randomR(source: RandomSource, model: DataModel, neurons m: Int, scale: Double) throws(ParameterError) -> Matrix {
        let nu = model.dimension - model.featureCount
        guard nu >= m else {
            throw ParameterError("d", must: "an integer ≥ k + m = \(model.featureCount + m) for a random start", got: "\(model.dimension)")
        }
        return source.bartlettFactor(m: m, dof: nu, sigma: scale)
    }
}
