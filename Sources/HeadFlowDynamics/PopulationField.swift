import RealModule
import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// The right-hand side of the population flow (docs/MODEL.md §2–4) as a value:
/// the model (data, head rule, target rule, stop-gradient — the one `SiameseModel` SGD also holds) and
/// the rates. A new model variant is a new rule (or a new field of the model), never a branch inside the solver.
///
/// `makeEvaluator` gives a workspace that evaluates it on flat states laid out
/// by `layout(neurons:)`.
public struct PopulationField: Sendable {
    /// The model: data, head rule, target rule, stop-gradient.
    public var model: SiameseModel
    /// Encoder rate `η`.
    public var eta: Double
    /// Head rate `η_E`.
    public var etaE: Double

    /// The flow of `model` at rates `η`, `η_E`.
    public init(model: SiameseModel, eta: Double = 1, etaE: Double = 0.01) {
        self.model = model; self.eta = eta; self.etaE = etaE
    }

    /// The paper's field on `data`: stop-gradient, target = online, head `head`.
    public init(model data: DataModel, head: HeadKind, eta: Double = 1, etaE: Double = 0.01) {
        self.init(model: SiameseModel(data: data, head: head), eta: eta, etaE: etaE)
    }

    /// Throws a `ParameterError` naming the first invalid rate or rule.
    public func validate() throws(ParameterError) {
        try RunParameter.check("eta", eta)
        try RunParameter.check("eta-e", etaE)
        try model.rules.validateRules()
    }

    /// The flat layout for `m` neurons: `[A, R, E]`, then the target rule's state (`[A_tg, R_tg]` for EMA).
    public func layout(neurons m: Int) -> StateLayout {
        let k = model.data.featureCount
        return StateLayout(features: k, neurons: m, extra: model.target.extraState(features: k, neurons: m))
    }

    /// The flat start for the integrator (the EMA target starts at the online state: `W_tg(0) = W(0)`).
    public func initialState(_ start: ReducedState) -> [Double] {
        model.target == .ema ? start.flat + start.a.storage + start.r.storage : start.flat
    }

    /// A fresh evaluator with its own workspace (not thread-safe: one per solve).
    public func makeEvaluator(neurons m: Int) -> PopulationFieldEvaluator {
        PopulationFieldEvaluator(field: self, layout: layout(neurons: m))
    }
}

/// Evaluates a `PopulationField` on flat states: `dy/dt`, and the recorded
/// quantities of a sample. Allocation-free `velocity`; not thread-safe.
///
/// The online block moves by `−η ∂L/∂[A; R]` with the target factors at
/// `[A_tg; R_tg]` (EMA, `EMATarget`) or at the online state (`same`), with or
/// without stop-gradient. The head block: trained, `dE = −η_E ∂L/∂E ∘ mask`; or,
/// for a spectral head (`directpred`, `directcopy`), `dE = 0` while the flow uses
/// `E = DirectPredHead(S(A, B))` at every evaluation — the stored `E` stays at
/// `E(0)` and is ignored (events that read `E`, such as `substitution` and the head
/// peaks, therefore do not fire for these heads; the recorded samples carry the
/// head actually used).
public final class PopulationFieldEvaluator {
    /// The field evaluated.
    public let field: PopulationField
    /// Where each block sits in the flat state.
    public let layout: StateLayout
    private let objective: PopulationObjective
    private let mask: [Double]
    private let spectral: DirectPredHead?
    private let ce: Double, un: Double, weights: [Double]
    private let work, same, scratch: UnsafeMutablePointer<Double>
    private let eigen: SymmetricEigenWorkspace?
    /// The `k = m = 2` path of the objective (same `dy/dt`, bit for bit; target `same` or EMA), when it covers this field.
    private let small: PopulationObjectiveSmall?

    /// An evaluator of `field` on `layout`; `fastPath: false` keeps the generic path even where the `k = m = 2`
    /// path covers the field (the tests compare the two).
    init(field: PopulationField, layout: StateLayout, fastPath: Bool = true) {
        self.field = field; self.layout = layout
        let m = layout.neurons, model = field.model, data = model.data
        objective = PopulationObjective(model: data, neurons: m)
        objective.stopGradient = model.stopGradient == .on
        mask = model.headRule.trainableMask(neurons: m).storage
        spectral = model.spectralHead
        ce = data.sameViewCount
        un = data.noisePatchesPerView * Double.pow(data.noise, 6)
        weights = data.featureWeights
        let n = layout.extraOffset
        work = .allocate(capacity: n); work.initialize(repeating: 0, count: n)
        same = .allocate(capacity: m * m); same.initialize(repeating: 0, count: m * m)
        scratch = .allocate(capacity: m * m + m); scratch.initialize(repeating: 0, count: m * m + m)
        eigen = spectral == nil ? nil : SymmetricEigenWorkspace(order: m)
        let ema = model.target == .ema
        let covered = fastPath && model.coveredBySmallPath
            && layout == (ema ? PopulationObjectiveSmall.emaLayout : PopulationObjectiveSmall.layout)
        small = covered ? PopulationObjectiveSmall(model: data, eta: field.eta, etaE: field.etaE, mask: mask,
                                                   emaTau: ema ? model.emaTau : nil) : nil
    }

    deinit { work.deallocate(); same.deallocate(); scratch.deallocate() }

    /// True when `velocity` runs the `k = m = 2` path (the model's rules say it covers them, and the layout is its own).
    var usesFastPath: Bool { small != nil }

    /// `dy/dt` (`velocity`: `dA = −η ∂L/∂A`, `dR = −η ∂L/∂R`, `dE = −η_E ∂L/∂E ∘ mask`) as the
    /// integrator's right-hand side. Where the `k = m = 2` path covers the field, a closure over
    /// that path alone (no dispatch per evaluation; the same bits). False for a non-finite loss.
    public var vectorField: VectorField {
        if let small {
            return { _, y, dy in small.velocity(y.baseAddress!, into: dy.baseAddress!) }
        }
        return { _, y, dy in self.velocity(y, into: dy) }
    }

    /// Writes `dy/dt` at `y`. Returns false when the loss (or a spectral head) is
    /// not finite (an output with zero variance), which stops the integration as non-finite.
    public func velocity(_ y: UnsafeBufferPointer<Double>, into dy: UnsafeMutableBufferPointer<Double>) -> Bool {
        let base = y.baseAddress!
        if let small {
            return small.velocity(base, into: dy.baseAddress!)
        }
        let target: UnsafePointer<Double>? = field.model.target == .ema ? base + layout.extraOffset : nil
        var online = y
        if let rule = spectral, let eigen {
            work.update(from: base, count: layout.extraOffset)
            writeSameView(a: base + layout.a, r: base + layout.r)
            guard rule.write(secondMoment: same, into: work + layout.e, scratch: scratch, workspace: eigen) else { return false }
            online = UnsafeBufferPointer(start: work, count: layout.extraOffset)
        }
        let ok = mask.withUnsafeBufferPointer {
            objective.velocity(online, into: dy, eta: field.eta, etaE: field.etaE, mask: $0, layout: layout, target: target)
        }
        guard ok else { return false }
        if let target {
            EMATarget.velocity(online: base + layout.a, target: target, into: dy.baseAddress! + layout.extraOffset,
                               count: layout.e, tau: field.model.emaTau)
        }
        return true
    }

    /// The online state the flow uses at `y`: `[A, R, E]`, with a spectral head's `E` computed from `S(A, B)`.
    public func onlineState(_ y: [Double]) -> ReducedState {
        var state = ReducedState(flat: y, layout: layout)
        if let rule = spectral {
            state.e = rule.head(secondMoment: PopulationMoments(model: field.model.data, a: state.a, b: state.b).same)
        }
        return state
    }

    /// The EMA target `[A_tg; R_tg]` at `y` (with the online `E`), nil for the target `same`.
    public func targetState(_ y: [Double]) -> ReducedState? {
        guard field.model.target == .ema else { return nil }
        let k = layout.features, m = layout.neurons, o = layout.extraOffset
        return ReducedState(a: Matrix(rows: k, cols: m, storage: Array(y[o..<(o + k * m)])),
                            r: Matrix(rows: m, cols: m, storage: Array(y[(o + k * m)..<(o + k * m + m * m)])),
                            e: Matrix(rows: m, cols: m, storage: Array(y[layout.e..<layout.extraOffset])))
    }

    /// The recorded sample at time `t` and flat state `y`: state (with the head in use),
    /// `ρ_j` and the loss (target factors at the EMA target), and the ranks of `f` and `F = E f`.
    public func sample(time t: Double, _ y: [Double]) -> TrajectorySample {
        let state = onlineState(y)
        let ev = objective.evaluate(online: state, target: objective.stopGradient ? targetState(y) : nil)
        let ranks = RepresentationRank.ofOutputs(model: field.model.data, state: state)
        return TrajectorySample(time: t, state: state, correlations: ev.correlations, loss: ev.loss,
                                outputRank: ranks.f, headRank: ranks.headed)
    }

    /// The loss at `y` (non-finite for a degenerate state).
    public func loss(_ y: [Double]) -> Double {
        let state = onlineState(y)
        return objective.evaluate(online: state, target: objective.stopGradient ? targetState(y) : nil).loss
    }

    /// `S = c_= Σ_ℓ w_ℓ a_{ℓr}³ a_{ℓc}³ + u σ⁶ (9 B_rr B_cc B_rc + 6 B_rc³)` into `same`, `B = RᵀR` (no allocation).
    private func writeSameView(a: UnsafePointer<Double>, r: UnsafePointer<Double>) {
        let k = layout.features, m = layout.neurons
        let b = scratch
        for i in 0..<m { for j in i..<m {
            var s = 0.0
            for l in 0..<m { s += r[l * m + i] * r[l * m + j] }
            b[i * m + j] = s; b[j * m + i] = s
        } }
        for i in 0..<m { for j in i..<m {
            var f = 0.0
            for l in 0..<k { let x = a[l * m + i], z = a[l * m + j]; f += weights[l] * x * x * x * z * z * z }
            let bij = b[i * m + j]
            let v = ce * f + un * (9 * b[i * m + i] * b[j * m + j] * bij + 6 * bij * bij * bij)
            same[i * m + j] = v; same[j * m + i] = v
        } }
    }
}
