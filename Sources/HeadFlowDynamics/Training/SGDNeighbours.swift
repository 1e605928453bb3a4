import HeadFlowNumerics
import HeadFlowModel

/// The neighbouring mechanisms of docs/MODEL.md §6 in SGD (internal), shared by
/// both samplers.
///
/// - EMA target: after each step `W_tg ← (1 − c) W_tg + c W`, `c = lr/τ ≤ 1`
///   (`W_tg ← W_tg + (lr/τ)(W − W_tg)`; with `c = 1` exactly `W_tg = W`). The target
///   branch `G = f(X⁽²⁾; W_tg)` and its BN statistics use `W_tg`.
/// - Stop-gradient off: `∂L̂/∂W` also collects view 2's term from `∂L̂/∂f⁽²⁾`.
/// - DirectPred/DirectCopy head (`SGDSpectralHead`): set from a running second
///   moment of view 1's online outputs, never trained.
enum SGDNeighbours {
    /// `tg ← (1 − c) tg + c w` over `count` values.
    static func emaUpdate(_ tg: UnsafeMutablePointer<Double>, toward w: UnsafePointer<Double>, count: Int, rate c: Double) {
        let keep = 1 - c
        for i in 0..<count { tg[i] = keep * tg[i] + c * w[i] }
    }

    /// `B = XᵀX` of the `rows × m` row-major block `x`, symmetrised.
    static func gram(_ x: UnsafePointer<Double>, rows: Int, m: Int) -> Matrix {
        var b = Matrix(rows: m, cols: m)
        for q in 0..<rows { for i in 0..<m { for j in 0..<m { b.storage[i * m + j] += x[q * m + i] * x[q * m + j] } } }
        for i in 0..<m { for j in 0..<i { let s = 0.5 * (b[i, j] + b[j, i]); b[i, j] = s; b[j, i] = s } }
        return b
    }
}

/// SGD's DirectPred/DirectCopy head (internal): at each step, before the loss,
/// `Ŝ ← ρ Ŝ + (1 − ρ) f⁽¹⁾ᵀ f⁽¹⁾ / N` over the batch's view-1 online outputs
/// `f⁽¹⁾` (raw, uncentred: their mean is 0 by the sign symmetry), `Ŝ(0) = 0`, and
/// `E = DirectPredHead.head(Ŝ)` — the population rule on the running estimate of
/// `S`. The step uses this `E`; it is never trained.
struct SGDSpectralHead {
    /// The population rule (`ε`, source, exponent).
    let rule: DirectPredHead
    /// `ρ ∈ [0, 1)`.
    let rho: Double
    /// The running second moment `Ŝ`.
    private(set) var secondMoment: Matrix

    init(rule: DirectPredHead, rho: Double, neurons m: Int) {
        self.rule = rule; self.rho = rho; secondMoment = Matrix(rows: m, cols: m)
    }

    /// Updates `Ŝ` with the batch's view-1 outputs `f1` (N×m) and returns `E`.
    mutating func update(outputs f1: Matrix) throws(SGDStepFailure) -> Matrix {
        let n = f1.rows, m = f1.cols
        let batch = f1.storage.withUnsafeBufferPointer { SGDNeighbours.gram($0.baseAddress!, rows: n, m: m) }
        let w = (1 - rho) / Double(n)
        for i in 0..<(m * m) { secondMoment.storage[i] = rho * secondMoment.storage[i] + w * batch.storage[i] }
        let e = rule.head(secondMoment: secondMoment)
        guard e.isFinite else { throw .degenerate(.nonFinite(quantity: "DirectPred head (the running Ŝ has no positive eigenvalue)")) }
        return e
    }
}
