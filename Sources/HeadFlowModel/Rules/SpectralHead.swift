import HeadFlowNumerics

/// A head *set* from the outputs' second moment, never trained: DirectPred (`γ = 1/2`, Tian, Chen & Ganguli
/// 2021) and DirectCopy (`γ = 1`, Wang et al. 2022); `E = DirectPredHead(S)` (docs/MODEL.md, "Predictor rule").
///
/// The flow uses the population `S(A, B)` at every evaluation (`dE = 0`, the stored `E` is ignored); SGD a
/// running estimate `Ŝ` of the batches' view-1 outputs (`SpectralHeadEstimate`, `--dp-rho`).
public struct SpectralHead: HeadRule {
    public let name: String
    public let summary: String
    /// The exponent `γ`.
    public let exponent: Double

    /// A spectral head named `name` with exponent `γ`.
    public init(name: String, summary: String, exponent: Double) {
        self.name = name; self.summary = summary; self.exponent = exponent
    }

    /// Zero: the head is not trained.
    public func trainableMask(neurons m: Int) -> Matrix { Matrix(rows: m, cols: m) }

    /// `I` (unused by the flow, which sets `E` from `S` at every evaluation).
    public func initialHead(neurons m: Int, source: RandomSource?, scale: Double?) -> Matrix { .identity(m) }

    /// `DirectPredHead` with the given `ε` and source and this rule's `γ`.
    public func spectralRule(_ parameters: DirectPredHead) -> DirectPredHead? {
        DirectPredHead(epsilon: parameters.epsilon, source: parameters.source, exponent: exponent)
    }

    /// Not covered: `E` is set from `S(A, B)` at every evaluation (the generic path's `DirectPredHead.write`).
    public var coveredBySmallPath: Bool { false }
}

extension SpectralHead {
    /// DirectPred: `E = U diag(sqrt(λ_i/λ_max) + ε) Uᵀ`.
    public static let directpred = SpectralHead(name: "directpred", summary: "set, not trained: E = U diag(sqrt(λ_i/λ_max) + ε) Uᵀ of S (DirectPred)",
                                                exponent: 0.5)
    /// DirectCopy: `E = U diag(λ_i/λ_max + ε) Uᵀ`.
    public static let directcopy = SpectralHead(name: "directcopy", summary: "set, not trained: E = U diag(λ_i/λ_max + ε) Uᵀ of S (DirectCopy)",
                                                exponent: 1)
}

/// SGD's estimate of a spectral head: at each step, before the loss, `Ŝ ← ρ Ŝ + (1 − ρ) f⁽¹⁾ᵀ f⁽¹⁾ / N` over
/// the batch's view-1 online outputs `f⁽¹⁾` (raw, uncentred: their mean is 0 by the sign symmetry), `Ŝ(0) = 0`,
/// and `E = rule(Ŝ)` — the population rule on the running estimate of `S`. The step uses this `E`.
public struct SpectralHeadEstimate: Sendable {
    /// The population rule (`ε`, source, exponent).
    public let rule: DirectPredHead
    /// `ρ ∈ [0, 1)` (`--dp-rho`).
    public let rho: Double
    /// The running second moment `Ŝ`.
    public private(set) var secondMoment: Matrix

    /// An estimate with `Ŝ = 0`.
    public init(rule: DirectPredHead, rho: Double, neurons m: Int) {
        self.rule = rule; self.rho = rho; secondMoment = Matrix(rows: m, cols: m)
    }

    /// Updates `Ŝ` with the batch's view-1 outputs `f1` (N×m) and returns `E`.
    /// - Throws: `DegenerateBatch.nonFinite` when `Ŝ` has no positive eigenvalue.
    public mutating func update(outputs f1: Matrix) throws(DegenerateBatch) -> Matrix {
        let n = f1.rows, m = f1.cols
        let batch = f1.storage.withUnsafeBufferPointer { Self.gram($0.baseAddress!, rows: n, m: m) }
        let w = (1 - rho) / Double(n)
        for i in 0..<(m * m) { secondMoment.storage[i] = rho * secondMoment.storage[i] + w * batch.storage[i] }
        let e = rule.head(secondMoment: secondMoment)
        guard e.isFinite else { throw .nonFinite(quantity: "DirectPred head (the running Ŝ has no positive eigenvalue)") }
        return e
    }

    /// `B = XᵀX` of the `rows × m` row-major block `x`, symmetrised.
    package static func gram(_ x: UnsafePointer<Double>, rows: Int, m: Int) -> Matrix {
        var b = Matrix(rows: m, cols: m)
        for q in 0..<rows { for i in 0..<m { for j in 0..<m { b.storage[i * m + j] += x[q * m + i] * x[q * m + j] } } }
        for i in 0..<m { for j in 0..<i { let s = 0.5 * (b[i, j] + b[j, i]); b[i, j] = s; b[j, i] = s } }
        return b
    }
}
