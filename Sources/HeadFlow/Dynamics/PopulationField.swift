/// The right-hand side of the population flow (docs/MODEL.md §2–4) as a value:
/// the data model, the head variant and the rates. A new model variant is a
/// new field (or a new choice inside it), never a branch inside the solver.
///
/// `makeEvaluator` gives a workspace that evaluates it on flat states laid out
/// by `layout(neurons:)`.
public struct PopulationField: Sendable {
    /// The data distribution.
    public var model: DataModel
    /// The head variant: which entries of `E` train.
    public var head: HeadKind
    /// Encoder rate `η`.
    public var eta: Double
    /// Head rate `η_E`.
    public var etaE: Double

    /// The paper's field: stop-gradient, target = online, head `head`.
    public init(model: DataModel, head: HeadKind, eta: Double = 1, etaE: Double = 0.01) {
        self.model = model; self.head = head; self.eta = eta; self.etaE = etaE
    }

    /// Throws a `ParameterError` naming the first invalid rate.
    public func validate() throws(ParameterError) {
        try require(eta, "eta", "a finite η ≥ 0", { $0 >= 0 })
        try require(etaE, "eta-e", "a finite η_E ≥ 0", { $0 >= 0 })
    }

    /// The flat layout for `m` neurons: `[A, R, E]`.
    public func layout(neurons m: Int) -> StateLayout { StateLayout(features: model.featureCount, neurons: m) }

    /// The flat start for the integrator.
    public func initialState(_ start: ReducedState) -> [Double] { start.flat }

    /// A fresh evaluator with its own workspace (not thread-safe: one per solve).
    public func makeEvaluator(neurons m: Int) -> PopulationFieldEvaluator {
        PopulationFieldEvaluator(field: self, layout: layout(neurons: m))
    }
}

/// Evaluates a `PopulationField` on flat states: `dy/dt`, and the recorded
/// quantities of a sample. Allocation-free `velocity`; not thread-safe.
public final class PopulationFieldEvaluator {
    /// The field evaluated.
    public let field: PopulationField
    /// Where each block sits in the flat state.
    public let layout: StateLayout
    private let objective: PopulationObjective
    private let mask: [Double]

    init(field: PopulationField, layout: StateLayout) {
        self.field = field; self.layout = layout
        objective = PopulationObjective(model: field.model, neurons: layout.neurons)
        mask = field.head.trainableMask(neurons: layout.neurons).storage
    }

    /// Writes `dy/dt` at `y`. Returns false when the loss is not finite (an
    /// output with zero variance), which stops the integration as non-finite.
    public func velocity(_ y: UnsafeBufferPointer<Double>, into dy: UnsafeMutableBufferPointer<Double>) -> Bool {
        mask.withUnsafeBufferPointer { objective.velocity(y, into: dy, eta: field.eta, etaE: field.etaE, mask: $0, layout: layout) }
    }

    /// The recorded sample at time `t` and flat state `y`: state, `ρ_j`, loss.
    public func sample(time t: Double, _ y: [Double]) -> TrajectorySample {
        let state = ReducedState(flat: y, layout: layout)
        let ev = objective.evaluate(online: state)
        return TrajectorySample(time: t, state: state, correlations: ev.correlations, loss: ev.loss)
    }

    /// The loss at `y` (non-finite for a degenerate state).
    public func loss(_ y: [Double]) -> Double {
        objective.evaluate(online: ReducedState(flat: y, layout: layout)).loss
    }
}
