import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The population gradient flow as a *problem*: the mathematics only
/// (docs/MODEL.md §2–4) — its vector field, its start and its time span, in
/// the spirit of SciML's `ODEProblem(f, u0, tspan, p)`. The integrator, the
/// recording times and the events are chosen at `solve`.
///
/// `dW/dt = −η ∂L/∂W`, `dE/dt = −η_E ∂L/∂E` on the head's trainable entries,
/// written on the reduced state `[A; R]` and `E`.
public struct PopulationProblem: Sendable {
    /// The vector field (model, head variant, rates).
    public var field: PopulationField
    /// The start `(A(0), R(0), E(0))`.
    public var start: ReducedState
    /// End time `t_end`.
    public var tEnd: Double

    /// A problem; see the properties. Call `validate()` before solving input you did not build.
    public init(field: PopulationField, start: ReducedState, tEnd: Double = 2e4) {
        self.field = field; self.start = start; self.tEnd = tEnd
    }

    /// A problem of the paper's flow for `model` and `head` at rates `η`, `η_E`.
    public init(model: DataModel, head: HeadKind, start: ReducedState, eta: Double = 1, etaE: Double = 0.01,
                tEnd: Double = 2e4) {
        self.init(field: PopulationField(model: model, head: head, eta: eta, etaE: etaE), start: start, tEnd: tEnd)
    }

    /// The model: data, head rule, target rule, stop-gradient (the field's).
    public var model: SiameseModel { get { field.model } set { field.model = newValue } }
    /// Encoder rate `η`.
    public var eta: Double { get { field.eta } set { field.eta = newValue } }
    /// Head rate `η_E` (the paper: `η_E ≪ η`).
    public var etaE: Double { get { field.etaE } set { field.etaE = newValue } }
    /// Neurons `m`.
    public var neurons: Int { start.neurons }
    /// The flat layout of this problem's state (the field's blocks for `m` neurons).
    public var layout: StateLayout { field.layout(neurons: neurons) }

    /// Throws a `ParameterError` naming the first invalid parameter.
    public func validate() throws(ParameterError) {
        try model.data.validate()
        try start.validate(for: model.data)
        try field.validate()
        try RunParameter.check("t-end", tEnd)
    }

    /// Solves with GSL `odeiv2` under `settings` (see `PopulationSolver`).
    public func solve(with settings: IntegratorSettings = IntegratorSettings(),
                      saveat: SampleTimes = .logarithmic(points: 400), events: EventSet = .standard) -> Trajectory {
        PopulationSolver(settings: settings).solve(self, saveat: saveat, events: events)
    }
}

extension ReducedState {
    /// Throws a `ParameterError` when this start does not fit `model` (k rows of
    /// `A`, at least one neuron) or is not finite. Shared by every problem type.
    public func validate(for model: DataModel) throws(ParameterError) {
        try require(neurons, "neurons", "an integer ≥ 1", { $0 >= 1 })
        guard features == model.featureCount else {
            throw ParameterError("init-a", must: "a k×m matrix with k = \(model.featureCount) rows (one per --alpha)", got: "\(features) rows")
        }
        guard a.isFinite else { throw ParameterError("init-a", must: "finite numbers", got: "\(a.storage)") }
        guard r.isFinite else { throw ParameterError("init-b", must: "finite numbers", got: "\(b.storage)") }
        guard e.isFinite else { throw ParameterError("head", must: "a finite start E(0)", got: "\(e.storage)") }
    }
}
