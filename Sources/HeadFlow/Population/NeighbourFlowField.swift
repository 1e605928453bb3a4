import RealModule

/// The right-hand side of the population flow with the neighbouring mechanisms
/// (docs/MODEL.md, "Neighbouring mechanisms"): an EMA target, stop-gradient off,
/// and a DirectPred head set from the outputs' second moment instead of trained.
///
/// Flat state: `[A, R, E]` (each row-major, `k·m + 2m²` values), followed for the
/// EMA target by `[A_tg, R_tg]` (`k·m + m²` more, same basis `U` as `[A; R]`; see
/// `EMATarget`). The online block moves by `−η ∂L/∂[A; R]` with the target factors
/// taken at `[A_tg; R_tg]` (EMA) or at the online state (`same`). The head block:
/// trained, `dE = −η_E ∂L/∂E ∘ mask`; or, for DirectPred, `dE = 0` and the flow uses
/// `E = DirectPredHead(S(A, B))` at every evaluation (the stored `E` is ignored; use
/// `head(at:)` to read the head at a state). DirectPred's head is never
/// differentiated (it is set, not trained).
///
/// No allocation per call. Not thread-safe: one field per solve.
public final class NeighbourFlowField {
    /// The objective (its `stopGradient` is set from `init`).
    public let objective: PopulationObjective
    /// `τ` of the EMA target, or nil for the target `same`.
    public let tau: Double?
    /// The DirectPred rule, or nil for a trained head.
    public let directPred: DirectPredHead?
    /// Encoder rate `η` and head rate `η_E`.
    public let eta: Double, etaE: Double
    private let mask: [Double]
    private let k: Int, m: Int
    private let work: UnsafeMutablePointer<Double>, same: UnsafeMutablePointer<Double>
    private let scratch: UnsafeMutablePointer<Double>
    private let eigen: SymmetricEigenWorkspace?
    private let ce: Double, un: Double, weights: [Double]

    /// A field for `model` and `m` neurons. `tau` (EMA) and `stopGradient == false`
    /// exclude each other (stop-gradient off is defined for the target `same`).
    public init(model: DataModel, neurons m: Int, eta: Double, etaE: Double, mask: Matrix,
                tau: Double? = nil, stopGradient: Bool = true, directPred: DirectPredHead? = nil) {
        precondition(tau == nil || stopGradient, "NeighbourFlowField: stop-gradient off needs the target same")
        precondition(tau.map { $0 > 0 && $0.isFinite } ?? true, "NeighbourFlowField: τ must be finite and > 0")
        objective = PopulationObjective(model: model, neurons: m)
        objective.stopGradient = stopGradient
        self.tau = tau; self.directPred = directPred; self.eta = eta; self.etaE = etaE
        self.mask = directPred == nil ? mask.storage : Array(repeating: 0, count: m * m)
        k = model.featureCount; self.m = m
        let online = ReducedState.flatCount(features: k, neurons: m)
        work = .allocate(capacity: online); work.initialize(repeating: 0, count: online)
        same = .allocate(capacity: m * m); same.initialize(repeating: 0, count: m * m)
        scratch = .allocate(capacity: m * m + m); scratch.initialize(repeating: 0, count: m * m + m)
        eigen = directPred == nil ? nil : SymmetricEigenWorkspace(order: m)
        ce = model.sameViewCount; un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        weights = model.featureWeights
    }

    deinit { work.deallocate(); same.deallocate(); scratch.deallocate() }

    /// Length of the flat state: `k·m + 2m²`, plus `k·m + m²` for the EMA target.
    public var dimension: Int { Self.dimension(features: k, neurons: m, ema: tau != nil) }

    /// Length of the flat state for `k` features, `m` neurons, with or without an EMA target.
    public static func dimension(features k: Int, neurons m: Int, ema: Bool) -> Int {
        ReducedState.flatCount(features: k, neurons: m) + (ema ? k * m + m * m : 0)
    }

    /// Offset of the target block `[A_tg, R_tg]` in the flat state.
    public var targetOffset: Int { ReducedState.flatCount(features: k, neurons: m) }

    /// Writes `dy/dt`; false when the loss (or the DirectPred head) is not finite.
    public func velocity(_ y: UnsafeBufferPointer<Double>, into dy: UnsafeMutableBufferPointer<Double>) -> Bool {
        let base = y.baseAddress!
        let target: UnsafePointer<Double>? = tau == nil ? nil : base + targetOffset
        var online = y
        if let rule = directPred, let eigen {
            let n = targetOffset, eo = k * m + m * m
            work.update(from: base, count: n)
            writeSameView(a: base, r: base + k * m)
            guard rule.write(secondMoment: same, into: work + eo, scratch: scratch, workspace: eigen) else { return false }
            online = UnsafeBufferPointer(start: work, count: n)
        }
        let ok = mask.withUnsafeBufferPointer {
            objective.velocity(online, into: dy, eta: eta, etaE: etaE, mask: $0, target: target)
        }
        guard ok else { return false }
        if let tau, let target {
            EMATarget.velocity(online: base, target: target, into: dy.baseAddress! + targetOffset, count: k * m + m * m, tau: tau)
        }
        return true
    }

    /// The head the flow uses at the flat state `y`: the stored `E`, or DirectPred's from `S(A, B)`.
    public func head(at y: [Double]) -> Matrix {
        let state = ReducedState(flat: Array(y.prefix(targetOffset)), features: k, neurons: m)
        guard let rule = directPred else { return state.e }
        return rule.head(secondMoment: PopulationMoments(model: objective.model, a: state.a, b: state.b).same)
    }

    /// The target `[A_tg; R_tg]` at the flat state `y` (nil for the target `same`), with `E` of the online state.
    public func target(at y: [Double]) -> ReducedState? {
        guard tau != nil else { return nil }
        let o = targetOffset
        return ReducedState(a: Matrix(rows: k, cols: m, storage: Array(y[o..<(o + k * m)])),
                            r: Matrix(rows: m, cols: m, storage: Array(y[(o + k * m)..<(o + k * m + m * m)])),
                            e: Matrix(rows: m, cols: m, storage: Array(y[(k * m + m * m)..<o])))
    }

    /// `S = c_= Σ_ℓ w_ℓ a_{ℓr}³ a_{ℓc}³ + u σ⁶ (9 B_rr B_cc B_rc + 6 B_rc³)` into `same`, `B = RᵀR`.
    private func writeSameView(a: UnsafePointer<Double>, r: UnsafePointer<Double>) {
        // B into the upper part of `scratch` first (m² values).
        let b = scratch
        for i in 0..<m { for j in i..<m {
            var s = 0.0
            for l in 0..<m { s += r[l * m + i] * r[l * m + j] }
            b[i * m + j] = s; b[j * m + i] = s
        } }
        for i in 0..<m { for j in i..<m {
            var f = 0.0
            for l in 0..<k {
                let x = a[l * m + i], z = a[l * m + j]
                f += weights[l] * x * x * x * z * z * z
            }
            let bij = b[i * m + j]
            let v = ce * f + un * (9 * b[i * m + i] * b[j * m + j] * bij + 6 * bij * bij * bij)
            same[i * m + j] = v; same[j * m + i] = v
        } }
    }
}
