import RealModule

/// The flow's right-hand side for `k = 2` features and `m = 2` neurons (the
/// paper's setting and every random-start ensemble's), under stop-gradient, with
/// the target at the online state or BYOL's EMA target `[A_tg; R_tg]` after `E`:
/// the same `dy/dt` as `PopulationObjective.velocity` (plus `EMATarget.velocity`),
/// bit for bit.
///
/// It is that function's loops with the sizes fixed and the scratch held in
/// fixed-size local arrays instead of the objective's heap workspace, so the
/// compiler unrolls every loop and keeps the intermediates in registers. Every
/// floating-point operation is the generic one, in the same order and with the
/// same operands (the sums still start from `0.0`); only where the values live
/// differs. docs/MODEL.md §2–4 has the mathematics; `PopulationObjective` the
/// readable derivation of each line.
struct PopulationObjectiveSmall: Sendable {
    /// The flat layout this path reads and writes: `[A (2×2), R (2×2), E (2×2)]`, nothing after.
    static let layout = StateLayout(features: 2, neurons: 2)
    /// The layout with the EMA target: `[A, R, E, A_tg (2×2), R_tg (2×2)]`.
    static let emaLayout = StateLayout(features: 2, neurons: 2, extra: 8)

    private let cx: Double, ce: Double, un: Double
    private let weights: InlineArray<2, Double>
    private let eta: Double, etaE: Double
    private let mask: InlineArray<4, Double>
    /// `τ` of the EMA target, nil for the target `same`.
    private let tau: Double?

    /// The path for `model`'s `L` at rates `η`, `η_E` with the head's trainable
    /// `mask` (row-major 2×2), or nil when `model` has not exactly 2 features or
    /// the mask is not 2×2.
    init?(model: DataModel, eta: Double, etaE: Double, mask: [Double], emaTau: Double? = nil) {
        guard model.featureCount == Self.layout.features, mask.count == 4 else { return nil }
        cx = model.crossViewCount; ce = model.sameViewCount
        un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        let w = model.featureWeights
        weights = [w[0], w[1]]
        self.eta = eta; self.etaE = etaE
        self.mask = [mask[0], mask[1], mask[2], mask[3]]
        tau = emaTau
    }

    /// Writes `dy/dt` for the flat state `y` laid out by `Self.layout`:
    /// `dA = −η ∂L/∂A`, `dR = −2η R ∂L/∂B`, `dE = −η_E (∂L/∂E ∘ mask)`.
    /// Returns false when the loss is not finite, as `PopulationObjective.velocity`.
    @inline(__always)
    func velocity(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) -> Bool {
        let layout = (a: 0, r: 4, e: 8)
        let k = 2, m = 2
        let a = y + layout.a, r = y + layout.r, e = y + layout.e
        var a3 = InlineArray<4, Double>(repeating: 0)
        for i in 0..<(k * m) { let x = a[i]; a3[i] = x * x * x }
        // The EMA target block [A_tg, R_tg] follows E (offset 12); with `same` the target is the online state.
        let target: UnsafePointer<Double>? = tau == nil ? nil : y + 12
        var ta3 = a3
        if let target { for i in 0..<(k * m) { let z = target[i]; ta3[i] = z * z * z } }
        var b = InlineArray<4, Double>(repeating: 0)
        for i in 0..<m { for j in i..<m {
            var s = 0.0
            for l in 0..<m { s += r[l * m + i] * r[l * m + j] }
            b[i * m + j] = s; b[j * m + i] = s
        } }
        var tb = b
        if let target {
            let tr = target + k * m
            for j in 0..<m { var t = 0.0; for l in 0..<m { t += tr[l * m + j] * tr[l * m + j] }; tb[j * m + j] = t }
        }
        var kk = InlineArray<4, Double>(repeating: 0), ss = kk, hB = kk
        for rr in 0..<m { for c in rr..<m {
            var same = 0.0
            for l in 0..<k { same += weights[l] * a3[l * m + rr] * a3[l * m + c] }
            let bij = b[rr * m + c]
            let sv = ce * same + un * (9 * b[rr * m + rr] * b[c * m + c] * bij + 6 * bij * bij * bij)
            ss[rr * m + c] = sv; ss[c * m + rr] = sv
            let h = 9 * b[rr * m + rr] * b[c * m + c] + 18 * bij * bij
            hB[rr * m + c] = h; hB[c * m + rr] = h
            if target == nil { kk[rr * m + c] = cx * same; kk[c * m + rr] = cx * same }
        } }
        if target != nil {
            // K_rc = c_× Σ_ℓ w_ℓ a_ℓr³ a_tg,ℓc³ (column c from the target; not symmetric).
            for rr in 0..<m { for c in 0..<m {
                var cross = 0.0
                for l in 0..<k { cross += weights[l] * a3[l * m + rr] * ta3[l * m + c] }
                kk[rr * m + c] = cx * cross
            } }
        }
        // The generic `for j in 0..<m` with the two outputs j = 0, 1 in the two lanes of a SIMD2:
        // each lane does the generic body's operations for its j, in the same order (packed IEEE
        // operations round every lane as the scalar ones would). Lane j of `e0`, `e1` is E_j0, E_j1.
        let e0 = SIMD2(e[0], e[2]), e1 = SIMD2(e[1], e[3])
        // T_j = c_= Σ_ℓ w_ℓ a_ℓj⁶ + 15 u σ⁶ B_jj³ (target at the online state).
        var tj = 0.0 + weights[0] * SIMD2(ta3[0], ta3[1]) * SIMD2(ta3[0], ta3[1])
        tj += weights[1] * SIMD2(ta3[2], ta3[3]) * SIMD2(ta3[2], ta3[3])
        let tbjj = SIMD2(tb[0], tb[3])
        tj = ce * tj + un * 15 * tbjj * tbjj * tbjj
        // num_j = Σ_r E_jr K_rj; (S e_j)_r; den_j = Σ_r E_jr (S e_j)_r.
        var num = 0.0 + e0 * SIMD2(kk[0], kk[1])
        num += e1 * SIMD2(kk[2], kk[3])
        let se0 = 0.0 + ss[0] * e0 + ss[1] * e1, se1 = 0.0 + ss[2] * e0 + ss[3] * e1
        let den = 0.0 + e0 * se0 + e1 * se1
        let root = (den * tj).squareRoot()
        let rj = num / root
        let lossTerms = 2 * (1 - rj)
        var loss = 0.0 + lossTerms[0]
        loss += lossTerms[1]
        let c1 = 1 / root, c2 = rj / den
        // ∂L/∂a_ℓq, summed over j in the generic order (j = 0, then 1).
        var gA = InlineArray<4, Double>(repeating: 0)
        for l in 0..<k {
            let p = 0.0 + e0 * a3[l * m] + e1 * a3[l * m + 1]
            let coeff = -6 * weights[l] * (c1 * cx * SIMD2(ta3[l * m], ta3[l * m + 1]) - c2 * ce * p)
            for q in 0..<m {
                let x = a[l * m + q]
                let v = x * x * (q == 0 ? e0 : e1) * coeff
                var g = 0.0 + v[0]
                g += v[1]
                gA[l * m + q] = g
            }
        }
        // ∂L/∂B: per j, the terms of the rows a with e_ja ≠ 0, in the generic order.
        var gB = InlineArray<4, Double>(repeating: 0)
        let scale = c2 * un
        for aa in 0..<m {
            let ea = scale * (aa == 0 ? e0 : e1)
            let diag = 0.0 + e0 * b[0] * b[aa * m] + e1 * b[3] * b[aa * m + 1]
            let t0 = ea * e0 * hB[aa * m], t1 = ea * e1 * hB[aa * m + 1]
            let d = 18 * ea * diag
            for j in 0..<m where ea[j] != 0 {
                gB[aa * m] += t0[j]
                gB[aa * m + 1] += t1[j]
                gB[aa * m + aa] += d[j]
            }
        }
        // ∂L/∂E_jr = −2 (c1 K_rj − c2 (S e_j)_r): lane j of `g0`, `g1` is row j.
        let g0 = -2 * (c1 * SIMD2(kk[0], kk[1]) - c2 * se0), g1 = -2 * (c1 * SIMD2(kk[2], kk[3]) - c2 * se1)
        let gE: InlineArray<4, Double> = [g0[0], g1[0], g0[1], g1[1]]
        guard loss.isFinite else { return false }
        for i in 0..<(k * m) { out[layout.a + i] = -eta * gA[i] }
        for l in 0..<m { for i in 0..<m {
            var s = 0.0
            for c in 0..<m { s += r[l * m + c] * gB[c * m + i] }
            out[layout.r + l * m + i] = -eta * 2 * s
        } }
        for i in 0..<(m * m) { out[layout.e + i] = -etaE * gE[i] * mask[i] }
        if let target, let tau { EMATarget.velocity(online: a, target: target, into: out + 12, count: 8, tau: tau) }
        return true
    }
}
