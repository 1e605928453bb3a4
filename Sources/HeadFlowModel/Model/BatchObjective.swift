import HeadFlowNumerics
import HeadFlowData

/// The finite-batch loss of docs/MODEL.md §2 as a function of the encoder `W`
/// (`d × m`) and the head `E` (`m × m`), with its analytic gradient.
///
/// `L = (1/N) Σ_i ‖BN F(X⁽ⁱ'¹⁾) − StopGrad BN G(X⁽ⁱ'²⁾)‖²` with
/// `F_j = Σ_r E_jr f_r`, `G_j = f_j`, `f_j(X) = Σ_p σ(⟨w_j, X_p⟩)` (see
/// `Network` and `BatchNormLoss`). The target is evaluated at `targetWeights`
/// (default: the online `W`, as in training) and is a constant for the
/// gradient — including its batch mean and variance.
public struct BatchObjective: Sendable {
    /// The batch-normalized loss on the outputs (holds `ε`).
    public var loss: BatchNormLoss

    /// An objective with BN constant `ε` (`epsilon`, default 0 **(choice)**).
    public init(epsilon: Double = 0) { loss = BatchNormLoss(epsilon: epsilon) }

    /// Loss, batch correlations `ρ̂_j`, `∂L/∂W` (`d × m`) and `∂L/∂E` (every
    /// entry; callers mask by head) on `batch`.
    ///
    /// `∂L/∂W = X⁽¹⁾ᵀ Γ`, `Γ_{iP+p, j} = 3⟨w_j, X⁽ⁱ'¹⁾_p⟩² · ∂L/∂f_j(X⁽ⁱ'¹⁾)`:
    /// only the online view carries gradient.
    ///
    /// With `stopGradient == .off` (target weights = `W`) the target view carries gradient too:
    /// `∂L/∂W += X⁽²⁾ᵀ Γ⁽²⁾` from `∂L/∂f⁽²⁾` (through `G`'s batch mean and variance).
    ///
    /// - Throws: `DegenerateBatch` when a BN coordinate has zero variance or a
    ///   value is not finite.
    public func evaluate(_ batch: SampleBatch, weights w: Matrix, head e: Matrix,
                         targetWeights: Matrix? = nil, stopGradient: StopGradientRule = .on) throws(DegenerateBatch) -> BatchEvaluation {
        precondition(stopGradient == .on || targetWeights == nil, "BatchObjective: stop-gradient off needs the target = online weights")
        let p = batch.patches
        let h1 = Network.preactivations(batch.view1, weights: w)
        let f1 = Network.outputs(preactivations: h1, patches: p)
        let h2 = Network.preactivations(batch.view2, weights: targetWeights ?? w)
        let f2 = Network.outputs(preactivations: h2, patches: p)
        let ev = try loss.evaluate(online: f1, target: f2, head: e, throughTarget: stopGradient == .off)
        var gradW = Network.weightGradient(view: batch.view1, preactivations: h1, outputGradient: ev.onlineGradient, patches: p)
        if let df2 = ev.targetGradient {
            gradW = gradW + Network.weightGradient(view: batch.view2, preactivations: h2, outputGradient: df2, patches: p)
        }
        guard gradW.isFinite else { throw .nonFinite(quantity: "gradient ∂L/∂W") }
        return BatchEvaluation(loss: ev.loss, correlations: ev.correlations, gradW: gradW, gradE: ev.gradE)
    }
}

/// The batch loss and its gradients with respect to `W` and `E`.
public struct BatchEvaluation: Sendable {
    /// `L = (1/N) Σ_i ‖F̂_i − Ĝ_i‖²`.
    public let loss: Double
    /// `ρ̂_j`, the batch correlation of `F_j` and `G_j` (when `ε = 0`).
    public let correlations: [Double]
    /// `∂L/∂W` (`d × m`), stop-gradient on the target.
    public let gradW: Matrix
    /// `∂L/∂E` (`m × m`), every entry (frozen ones included).
    public let gradE: Matrix
}
