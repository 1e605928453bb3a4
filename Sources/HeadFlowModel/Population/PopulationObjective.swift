import RealModule
import HeadFlowNumerics
import HeadFlowData

/// The population loss `L = Σ_j 2(1 − ρ_j)` and its gradient under
/// stop-gradient, in the reduced coordinates `[A; R]` and the head `E`
/// (docs/MODEL.md §2–4).
///
/// The *online* state enters through `F_j = Σ_r E_jr f_r(X⁽¹⁾)` and its variance
/// `(E S Eᵀ)_jj`; the *target* state only through `f_j(X⁽²⁾)` inside `K` and the
/// constant `S_jj` under the root. The flow evaluates both at the same state;
/// tests evaluate the surrogate with the target held fixed, which is what the
/// gradient differentiates.
///
/// The right-hand side (`velocity`) works in preallocated buffers: no
/// allocation per call. Not thread-safe: one objective per solve.
public final class PopulationObjective {
    /// The data distribution.
    public let model: DataModel
    /// Features `k`.
    public let features: Int
    /// Neurons `m`.
    public let neurons: Int
    /// Stop-gradient on the target branch (the paper's rule, default). When false,
    /// the gradient also flows through the target branch — `f_j(X⁽²⁾)` inside `K`
    /// and the variance `T_j = S_jj` under the root — which is defined only for the
    /// target `same`: the target is then the online state itself.
    public var stopGradient: Bool = true

    private let cx: Double, ce: Double, un: Double
    // Workspace (one allocation, reused): w_ℓ = p_ℓ α_ℓ⁶ and the per-call scratch.
    private let buffer: UnsafeMutablePointer<Double>
    private let weights, a3, ta3, b, tb, kk, ss, se, hB, gB, gA, gE, rho: UnsafeMutablePointer<Double>

    /// An objective for `k` features (from `model`) and `neurons` neurons.
    public init(model: DataModel, neurons m: Int) {
        self.model = model
        let k = model.featureCount
        features = k; neurons = m
        cx = model.crossViewCount; ce = model.sameViewCount
        un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        let sizes = [k, k * m, k * m, m * m, m * m, m * m, m * m, m, m * m, m * m, k * m, m * m, m]
        let total = sizes.reduce(0, +)
        buffer = .allocate(capacity: total)
        buffer.initialize(repeating: 0, count: total)
        var offset = 0
        var slots: [UnsafeMutablePointer<Double>] = []
        for s in sizes { slots.append(buffer + offset); offset += s }
        (weights, a3, ta3, b, tb, kk, ss, se) = (slots[0], slots[1], slots[2], slots[3], slots[4], slots[5], slots[6], slots[7])
        (hB, gB, gA, gE, rho) = (slots[8], slots[9], slots[10], slots[11], slots[12])
        for (l, w) in model.featureWeights.enumerated() { weights[l] = w }
    }

    deinit { buffer.deallocate() }

    // MARK: - Public, allocating API

    /// Loss, correlations and gradients of `L` at `online`, with the target
    /// factors taken at `target` (default: the same state, as in the flow).
    /// Gradients are of the full `E`; the caller masks frozen entries.
    /// Without stop-gradient the target must be the online state (nil or equal).
    public func evaluate(online: ReducedState, target: ReducedState? = nil) -> PopulationEvaluation {
        precondition(stopGradient || target == nil || target == online,
                     "PopulationObjective: without stop-gradient the target is the online state")
        let t = stopGradient ? target ?? online : online
        let loss = online.a.storage.withUnsafeBufferPointer { pa in
            online.r.storage.withUnsafeBufferPointer { pr in
                online.e.storage.withUnsafeBufferPointer { pe in
                    t.a.storage.withUnsafeBufferPointer { qa in
                        t.r.storage.withUnsafeBufferPointer { qr in
                            compute(a: pa.baseAddress!, r: pr.baseAddress!, e: pe.baseAddress!,
                                    targetA: qa.baseAddress!, targetR: qr.baseAddress!)
                        }
                    }
                }
            }
        }
        let k = features, m = neurons
        var gradR = Matrix(rows: m, cols: m)
        for l in 0..<m { for i in 0..<m {
            var s = 0.0
            for c in 0..<m { s += online.r[l, c] * 2 * gB[c * m + i] }
            gradR[l, i] = s
        } }
        return PopulationEvaluation(
            loss: loss,
            correlations: Array(UnsafeBufferPointer(start: rho, count: m)),
            gradA: Matrix(rows: k, cols: m, storage: Array(UnsafeBufferPointer(start: gA, count: k * m))),
            gradB: Matrix(rows: m, cols: m, storage: Array(UnsafeBufferPointer(start: gB, count: m * m))),
            gradR: gradR,
            gradE: Matrix(rows: m, cols: m, storage: Array(UnsafeBufferPointer(start: gE, count: m * m))))
    }

    // MARK: - The flow's right-hand side

    /// Writes `dy/dt` for the flat state `y` laid out by `layout` (`[A, R, E]`):
    /// `dA = −η ∂L/∂A`, `dR = −η ∂L/∂R = −2η R ∂L/∂B`, `dE = −η_E (∂L/∂E ∘ mask)`.
    /// Returns false when the loss is not finite (an output with zero variance).
    /// `target`, when given, points at a target state `[A_tg, R_tg]` (row-major,
    /// `k·m + m²` values) whose factors enter `K` and `T_j` (the EMA target);
    /// only the `[A, R, E]` blocks of `y` and `dy` are read and written.
    public func velocity(_ y: UnsafeBufferPointer<Double>, into dy: UnsafeMutableBufferPointer<Double>,
                         eta: Double, etaE: Double, mask: UnsafeBufferPointer<Double>, layout: StateLayout,
                         target: UnsafePointer<Double>? = nil) -> Bool {
        let k = features, m = neurons
        let base = y.baseAddress!
        let pa = base + layout.a, pr = base + layout.r, pe = base + layout.e
        let ta = target ?? pa, tr = target.map { $0 + k * m } ?? pr
        let loss = compute(a: pa, r: pr, e: pe, targetA: ta, targetR: tr)
        guard loss.isFinite else { return false }
        let out = dy.baseAddress!
        for i in 0..<(k * m) { out[layout.a + i] = -eta * gA[i] }
        for l in 0..<m { for i in 0..<m {
            var s = 0.0
            for c in 0..<m { s += pr[l * m + c] * gB[c * m + i] }
            out[layout.r + l * m + i] = -eta * 2 * s
        } }
        for i in 0..<(m * m) { out[layout.e + i] = -etaE * gE[i] * mask[i] }
        return true
    }

    // MARK: - Core

    /// Fills `gA = ∂L/∂A`, `gB = ∂L/∂B` (symmetric), `gE = ∂L/∂E`, `rho`; returns `L`.
    /// When the target is the online state (the flow), the target moments are
    /// not recomputed.
    private func compute(a: UnsafePointer<Double>, r: UnsafePointer<Double>, e: UnsafePointer<Double>,
                         targetA: UnsafePointer<Double>, targetR: UnsafePointer<Double>) -> Double {
        let k = features, m = neurons
        let sameTarget = a == targetA && r == targetR
        let throughTarget = !stopGradient
        precondition(sameTarget || !throughTarget, "PopulationObjective: without stop-gradient the target is the online state")
        for i in 0..<(k * m) { let x = a[i]; a3[i] = x * x * x }
        if sameTarget { ta3.update(from: a3, count: k * m) } else {
            for i in 0..<(k * m) { let z = targetA[i]; ta3[i] = z * z * z }
        }
        // B = RᵀR (symmetric: upper triangle, mirrored).
        for i in 0..<m { for j in i..<m {
            var s = 0.0
            for l in 0..<m { s += r[l * m + i] * r[l * m + j] }
            b[i * m + j] = s; b[j * m + i] = s
        } }
        if sameTarget { tb.update(from: b, count: m * m) } else {
            for j in 0..<m { var t = 0.0; for l in 0..<m { t += targetR[l * m + j] * targetR[l * m + j] }; tb[j * m + j] = t }
        }
        // K (cross-view, target in column j) and S (same-view, symmetric).
        for rr in 0..<m { for c in rr..<m {
            var same = 0.0
            for l in 0..<k { same += weights[l] * a3[l * m + rr] * a3[l * m + c] }
            let bij = b[rr * m + c]
            let sv = ce * same + un * (9 * b[rr * m + rr] * b[c * m + c] * bij + 6 * bij * bij * bij)
            ss[rr * m + c] = sv; ss[c * m + rr] = sv
            // The j-independent part of ∂D_noise/∂B: 9 B_aa B_bb + 18 B_ab².
            let h = 9 * b[rr * m + rr] * b[c * m + c] + 18 * bij * bij
            hB[rr * m + c] = h; hB[c * m + rr] = h
            if sameTarget { kk[rr * m + c] = cx * same; kk[c * m + rr] = cx * same }
        } }
        if !sameTarget {
            for rr in 0..<m { for c in 0..<m {
                var cross = 0.0
                for l in 0..<k { cross += weights[l] * a3[l * m + rr] * ta3[l * m + c] }
                kk[rr * m + c] = cx * cross
            } }
        }
        gA.update(repeating: 0, count: k * m)
        gB.update(repeating: 0, count: m * m)
        var loss = 0.0
        for j in 0..<m {
            let ej = e + j * m
            // Target variance T_j = S_jj at the target state (a constant).
            var tj = 0.0
            for l in 0..<k { tj += weights[l] * ta3[l * m + j] * ta3[l * m + j] }
            let tbjj = tb[j * m + j]
            tj = ce * tj + un * 15 * tbjj * tbjj * tbjj
            var num = 0.0, den = 0.0
            for rr in 0..<m {
                num += ej[rr] * kk[rr * m + j]
                var s = 0.0
                for c in 0..<m { s += ss[rr * m + c] * ej[c] }
                se[rr] = s
                den += ej[rr] * s
            }
            let root = (den * tj).squareRoot()
            let rj = num / root
            rho[j] = rj
            loss += 2 * (1 - rj)
            let c1 = 1 / root, c2 = rj / den
            // ∂L/∂a_{ℓq} = −2 · 3 a_{ℓq}² e_q w_ℓ (c1 c_× a_{ℓj,target}³ − c2 c_= ψ_ℓ),  ψ_ℓ = Σ_r e_r a_{ℓr}³.
            for l in 0..<k {
                var p = 0.0
                for rr in 0..<m { p += ej[rr] * a3[l * m + rr] }
                let coeff = -6 * weights[l] * (c1 * cx * ta3[l * m + j] - c2 * ce * p)
                for q in 0..<m {
                    let x = a[l * m + q]
                    gA[l * m + q] += x * x * ej[q] * coeff
                }
                if throughTarget {
                    // Target branch: ∂N_j/∂a_{ℓj} = 3 c_× w_ℓ a_{ℓj}² ψ_ℓ, and ∂L/∂T_j = ρ_j/T_j with
                    // ∂T_j/∂a_{ℓj} = 6 c_= w_ℓ a_{ℓj}⁵.
                    let x = a[l * m + j], x2 = x * x
                    gA[l * m + j] += 6 * weights[l] * x2 * (-c1 * cx * p + rj / tj * ce * x2 * x)
                }
            }
            // Target variance through B: ∂T_j/∂B_jj = 45 u σ⁶ B_jj².
            if throughTarget { gB[j * m + j] += rj / tj * 45 * un * tbjj * tbjj }
            // ∂L/∂B = c2 · ∂D_noise/∂B, D_noise = u σ⁶ Σ_rc e_r e_c (9 B_rr B_cc B_rc + 6 B_rc³):
            // ∂D_noise/∂B_ab = u σ⁶ [e_a e_b (9 B_aa B_bb + 18 B_ab²) + δ_ab 18 e_a Σ_c e_c B_cc B_ac].
            let scale = c2 * un
            for aa in 0..<m {
                let ea = scale * ej[aa]
                if ea == 0 { continue }
                var diag = 0.0
                for c in 0..<m { diag += ej[c] * b[c * m + c] * b[aa * m + c] }
                for bb in 0..<m { gB[aa * m + bb] += ea * ej[bb] * hB[aa * m + bb] }
                gB[aa * m + aa] += 18 * ea * diag
            }
            // ∂L/∂E_jr = −2 (c1 K_rj − c2 (S e)_r); row j only.
            for rr in 0..<m { gE[j * m + rr] = -2 * (c1 * kk[rr * m + j] - c2 * se[rr]) }
        }
        return loss
    }
}

/// The population loss and its gradients at one state.
public struct PopulationEvaluation: Sendable {
    /// `L = Σ_j 2(1 − ρ_j)`.
    public let loss: Double
    /// `ρ_j` for each output.
    public let correlations: [Double]
    /// `∂L/∂A` (k×m), stop-gradient.
    public let gradA: Matrix
    /// `∂L/∂B` (m×m, symmetric), stop-gradient; `∂L/∂W = V ∂L/∂A + 2 Π W ∂L/∂B`.
    public let gradB: Matrix
    /// `∂L/∂R = 2 R ∂L/∂B` (m×m).
    public let gradR: Matrix
    /// `∂L/∂E` (m×m), every entry (frozen ones included).
    public let gradE: Matrix
}
