import RealModule
import HeadFlowData

/// The flow's right-hand side for `k = 2` features and `m = 2` neurons (the
/// paper's setting and every random-start ensemble's), under stop-gradient, with
/// the target at the online state or BYOL's EMA target `[A_tg; R_tg]` after `E`:
/// the same `dy/dt` as `PopulationObjective.velocity` (plus `EMATarget.velocity`),
/// bit for bit.
///
/// It is that function's loops with the sizes fixed and written out as
/// straight-line code over named values, so the intermediates stay in registers
/// (no heap workspace, and no stack arrays written one value at a time and read
/// back two at a time). Every floating-point operation is the generic one, in the
/// same order and with the same operands (the sums still start from `0.0`); only
/// where the values live differs. docs/MODEL.md §2–4 has the mathematics; `PopulationObjective` the
/// readable derivation of each line.
package struct PopulationObjectiveSmall: Sendable {
    /// The flat layout this path reads and writes: `[A (2×2), R (2×2), E (2×2)]`, nothing after.
    package static let layout = StateLayout(features: 2, neurons: 2)
    /// The layout with the EMA target: `[A, R, E, A_tg (2×2), R_tg (2×2)]`.
    package static let emaLayout = StateLayout(features: 2, neurons: 2, extra: 8)
    // Which rules it covers is each rule's to say (`HeadRule.coveredBySmallPath`, `TargetRule.coveredBySmallPath`;
    // stop-gradient off never): `SiameseModel.coveredBySmallPath`, an allow-list checked by SmallPathCoverageTests.

    private let cx: Double, ce: Double, un: Double
    private let weights: InlineArray<2, Double>
    private let eta: Double, etaE: Double
    private let mask: InlineArray<4, Double>
    /// `τ` of the EMA target, nil for the target `same`.
    private let tau: Double?

    /// The path for `model`'s `L` at rates `η`, `η_E` with the head's trainable
    /// `mask` (row-major 2×2), or nil when `model` has not exactly 2 features or
    /// the mask is not 2×2.
    package init?(model: DataModel, eta: Double, etaE: Double, mask: [Double], emaTau: Double? = nil) {
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
    ///
    /// Pairs indexed by a neuron sit in the lanes of a `SIMD2` (lane `j` = neuron `j`);
    /// each lane does the generic body's operations for its index, in the same order
    /// (packed IEEE operations round every lane as the scalar ones would).
    @inline(__always)
    package func velocity(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) -> Bool {
        let w0 = weights[0], w1 = weights[1]
        // Row ℓ of A: lane j is a_ℓj; its cubes. R's rows (B = RᵀR); E's columns: lane j of `e0`, `e1` is E_j0, E_j1.
        let a0 = SIMD2(y[0], y[1]), a1 = SIMD2(y[2], y[3])
        let c0 = a0 * a0 * a0, c1 = a1 * a1 * a1
        let r0 = SIMD2(y[4], y[5]), r1 = SIMD2(y[6], y[7])
        let e0 = SIMD2(y[8], y[10]), e1 = SIMD2(y[9], y[11])
        // B = RᵀR: the diagonal (lane j: B_jj) and B_01, each sum over the rows l of R from 0.0.
        let bd = 0.0 + r0 * r0 + r1 * r1
        let b01 = 0.0 + y[4] * y[5] + y[6] * y[7]
        // The target's cubes (rows t0, t1) and B_tg's diagonal: the EMA target block [A_tg, R_tg] follows E
        // (offset 12); with `same` the target is the online state.
        var t0 = c0, t1 = c1, tbd = bd
        if tau != nil {
            let ta0 = SIMD2(y[12], y[13]), ta1 = SIMD2(y[14], y[15])
            t0 = ta0 * ta0 * ta0; t1 = ta1 * ta1 * ta1
            let tr0 = SIMD2(y[16], y[17]), tr1 = SIMD2(y[18], y[19])
            tbd = 0.0 + tr0 * tr0 + tr1 * tr1
        }
        // S_rc = c_= Σ_ℓ w_ℓ a_ℓr³ a_ℓc³ + u σ⁶ (9 B_rr B_cc B_rc + 6 B_rc³) and the Hessian factor
        // 9 B_rr B_cc + 18 B_rc²: the diagonal (r = c) in lanes, the off-diagonal (r, c) = (0, 1) as scalars.
        let sameD = 0.0 + w0 * c0 * c0 + w1 * c1 * c1
        let same01 = 0.0 + w0 * c0[0] * c0[1] + w1 * c1[0] * c1[1]
        let nineD: SIMD2<Double> = 9 * bd * bd * bd, sixD: SIMD2<Double> = 6 * bd * bd * bd
        let ssD: SIMD2<Double> = ce * sameD + un * (nineD + sixD)
        let ss01 = ce * same01 + un * (9 * bd[0] * bd[1] * b01 + 6 * b01 * b01 * b01)
        let hD: SIMD2<Double> = 9 * bd * bd + 18 * bd * bd
        let h01 = 9 * bd[0] * bd[1] + 18 * b01 * b01
        // K_rc = c_× Σ_ℓ w_ℓ a_ℓr³ a_tg,ℓc³ (column c from the target): lane c of `k0`, `k1` is K_0c, K_1c.
        let k0: SIMD2<Double>, k1: SIMD2<Double>
        if tau != nil {
            k0 = cx * (0.0 + w0 * c0[0] * t0 + w1 * c1[0] * t1)
            k1 = cx * (0.0 + w0 * c0[1] * t0 + w1 * c1[1] * t1)
        } else {
            k0 = SIMD2(cx * sameD[0], cx * same01); k1 = SIMD2(cx * same01, cx * sameD[1])
        }
        // T_j = c_= Σ_ℓ w_ℓ a_ℓj⁶ + 15 u σ⁶ B_jj³ (target at the online state).
        var tj = 0.0 + w0 * t0 * t0
        tj += w1 * t1 * t1
        tj = ce * tj + un * 15 * tbd * tbd * tbd
        // num_j = Σ_r E_jr K_rj; (S e_j)_r; den_j = Σ_r E_jr (S e_j)_r.
        var num = 0.0 + e0 * k0
        num += e1 * k1
        let se0 = 0.0 + ssD[0] * e0 + ss01 * e1, se1 = 0.0 + ss01 * e0 + ssD[1] * e1
        let den = 0.0 + e0 * se0 + e1 * se1
        let root = (den * tj).squareRoot()
        let rj = num / root
        let lossTerms = 2 * (1 - rj)
        var loss = 0.0 + lossTerms[0]
        loss += lossTerms[1]
        guard loss.isFinite else { return false }
        let q1 = 1 / root, q2 = rj / den
        // ∂L/∂a_ℓq, summed over j in the generic order (j = 0, then 1).
        let p0 = 0.0 + e0 * c0[0] + e1 * c0[1], p1 = 0.0 + e0 * c1[0] + e1 * c1[1]
        let coeff0 = -6 * w0 * (q1 * cx * t0 - q2 * ce * p0)
        let coeff1 = -6 * w1 * (q1 * cx * t1 - q2 * ce * p1)
        let v00 = y[0] * y[0] * e0 * coeff0, v01 = y[1] * y[1] * e1 * coeff0
        let v10 = y[2] * y[2] * e0 * coeff1, v11 = y[3] * y[3] * e1 * coeff1
        // ∂L/∂B: per j, the terms of the rows a with e_ja ≠ 0, in the generic order.
        let scale = q2 * un
        let ea0 = scale * e0, ea1 = scale * e1
        let diag0 = 0.0 + e0 * bd[0] * bd[0] + e1 * bd[1] * b01
        let diag1 = 0.0 + e0 * bd[0] * b01 + e1 * bd[1] * bd[1]
        let s00 = ea0 * e0 * hD[0], s01 = ea0 * e1 * h01, d0 = 18 * ea0 * diag0
        let s10 = ea1 * e0 * h01, s11 = ea1 * e1 * hD[1], d1 = 18 * ea1 * diag1
        var gB00 = 0.0, gB01 = 0.0, gB10 = 0.0, gB11 = 0.0
        for j in 0..<2 where ea0[j] != 0 { gB00 += s00[j]; gB01 += s01[j]; gB00 += d0[j] }
        for j in 0..<2 where ea1[j] != 0 { gB10 += s10[j]; gB11 += s11[j]; gB11 += d1[j] }
        // ∂L/∂E_jr = −2 (q1 K_rj − q2 (S e_j)_r): lane j of `g0`, `g1` is row j.
        let g0 = -2 * (q1 * k0 - q2 * se0), g1 = -2 * (q1 * k1 - q2 * se1)
        out[0] = -eta * (0.0 + v00[0] + v00[1]); out[1] = -eta * (0.0 + v01[0] + v01[1])
        out[2] = -eta * (0.0 + v10[0] + v10[1]); out[3] = -eta * (0.0 + v11[0] + v11[1])
        out[4] = -eta * 2 * (0.0 + y[4] * gB00 + y[5] * gB10); out[5] = -eta * 2 * (0.0 + y[4] * gB01 + y[5] * gB11)
        out[6] = -eta * 2 * (0.0 + y[6] * gB00 + y[7] * gB10); out[7] = -eta * 2 * (0.0 + y[6] * gB01 + y[7] * gB11)
        out[8] = -etaE * g0[0] * mask[0]; out[9] = -etaE * g1[0] * mask[1]
        out[10] = -etaE * g0[1] * mask[2]; out[11] = -etaE * g1[1] * mask[3]
        if let tau { EMATarget.velocity(online: y, target: y + 12, into: out + 12, count: 8, tau: tau) }
        return true
    }
}
