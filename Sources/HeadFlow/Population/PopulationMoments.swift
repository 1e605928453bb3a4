import RealModule

/// The exact second moments of the neuron outputs for `σ(t) = t³` (docs/MODEL.md §3).
///
/// - `K_{rj} = E[f_r(X⁽¹⁾) f_j(X⁽²⁾)] = c_× Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a_{ℓj}³` (noise
///   never correlates across views);
/// - `S_{rc} = E[f_r(X⁽¹⁾) f_c(X⁽¹⁾)] = c_= Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a_{ℓc}³
///   + u σ_ξ⁶ (9 B_rr B_cc B_rc + 6 B_rc³)` (Isserlis).
public struct PopulationMoments: Equatable, Sendable {
    /// Cross-view moments `K` (m×m, row `r`, column `j`).
    public let cross: Matrix
    /// Same-view moments `S` (m×m, symmetric).
    public let same: Matrix

    /// The moments at `A` (k×m) and `B` (m×m) under `model`.
    public init(model: DataModel, a: Matrix, b: Matrix) {
        let k = a.rows, m = a.cols
        let w = model.featureWeights
        let cx = model.crossViewCount, ce = model.sameViewCount
        let un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        var kk = Matrix(rows: m, cols: m), ss = Matrix(rows: m, cols: m)
        for r in 0..<m {
            for c in 0..<m {
                var feat = 0.0
                for l in 0..<k { feat += w[l] * Double.pow(a[l, r], 3) * Double.pow(a[l, c], 3) }
                kk[r, c] = cx * feat
                ss[r, c] = ce * feat + un * (9 * b[r, r] * b[c, c] * b[r, c] + 6 * Double.pow(b[r, c], 3))
            }
        }
        cross = kk; same = ss
    }

    /// `ρ_j = (E K)_{jj} / sqrt((E S Eᵀ)_{jj} · S_jj)` for each output `j`.
    /// NaN for an output whose variance is 0.
    public func correlations(head e: Matrix) -> [Double] {
        let m = cross.rows
        return (0..<m).map { j in
            var num = 0.0, den = 0.0
            for r in 0..<m {
                num += e[j, r] * cross[r, j]
                for c in 0..<m { den += e[j, r] * e[j, c] * same[r, c] }
            }
            return num / (den * same[j, j]).squareRoot()
        }
    }
}
