import RealModule
import HeadFlowNumerics
import HeadFlowData

/// The exact second moments of the neuron outputs for `σ(t) = t³` (docs/MODEL.md,
/// population moments), written term by term as the model states them. This is
/// the readable form; `PopulationObjective` is the fast one, and a test holds
/// the two equal.
///
/// - `K_{rj} = E[f_r(X⁽¹⁾) f_j(X⁽²⁾)] = c_× Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a_{ℓj}³` (noise
///   never correlates across views); the target factor `a_{ℓj}` is taken at
///   the target state;
/// - `S_{rc} = E[f_r(X⁽¹⁾) f_c(X⁽¹⁾)] = c_= Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a_{ℓc}³
///   + u σ_ξ⁶ (9 B_rr B_cc B_rc + 6 B_rc³)` (Isserlis), at the online state;
/// - `T_j = S_jj` at the target state (the target variance, a constant under
///   stop-gradient).
public struct PopulationMoments: Equatable, Sendable {
    /// Cross-view moments `K` (m×m, row `r` online, column `j` target).
    public let cross: Matrix
    /// Same-view moments `S` (m×m, symmetric) at the online state.
    public let same: Matrix
    /// Target variances `T_j = S_jj(target)`, one per output.
    public let targetVariance: [Double]

    /// The moments at `A` (k×m) and `B` (m×m) under `model`, with the target
    /// at the same state (as in the flow).
    public init(model: DataModel, a: Matrix, b: Matrix) {
        self.init(model: model, a: a, b: b, targetA: a, targetB: b)
    }

    /// The moments with the online state at `A`, `B` and the target at
    /// `targetA`, `targetB` (each of the same shapes).
    public init(model: DataModel, a: Matrix, b: Matrix, targetA: Matrix, targetB: Matrix) {
        let m = a.cols
        cross = Self.crossView(model: model, online: a, target: targetA)
        same = Self.sameView(model: model, a: a, b: b)
        let atTarget = Self.sameView(model: model, a: targetA, b: targetB)
        targetVariance = (0..<m).map { j in atTarget[j, j] }
    }

    /// `K_{rj} = c_× Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a'_{ℓj}³`, `a` online and `a'` target.
    public static func crossView(model: DataModel, online a: Matrix, target t: Matrix) -> Matrix {
        let k = a.rows, m = a.cols
        let cx = model.crossViewCount, p = model.probabilities, alpha = model.alpha
        var kk = Matrix(rows: m, cols: m)
        for r in 0..<m {
            for j in 0..<m {
                var sum = 0.0
                for l in 0..<k { sum += p[l] * Double.pow(alpha[l], 6) * Double.pow(a[l, r], 3) * Double.pow(t[l, j], 3) }
                kk[r, j] = cx * sum
            }
        }
        return kk
    }

    /// `S_{rc} = c_= Σ_ℓ p_ℓ α_ℓ⁶ a_{ℓr}³ a_{ℓc}³ + u σ_ξ⁶ (9 B_rr B_cc B_rc + 6 B_rc³)`.
    public static func sameView(model: DataModel, a: Matrix, b: Matrix) -> Matrix {
        let k = a.rows, m = a.cols
        let ce = model.sameViewCount, u = model.noisePatchesPerView, sigma = model.noise
        let p = model.probabilities, alpha = model.alpha
        var ss = Matrix(rows: m, cols: m)
        for r in 0..<m {
            for c in 0..<m {
                var sum = 0.0
                for l in 0..<k { sum += p[l] * Double.pow(alpha[l], 6) * Double.pow(a[l, r], 3) * Double.pow(a[l, c], 3) }
                let isserlis = 9 * b[r, r] * b[c, c] * b[r, c] + 6 * Double.pow(b[r, c], 3)
                ss[r, c] = ce * sum + u * Double.pow(sigma, 6) * isserlis
            }
        }
        return ss
    }

    /// `ρ_j = (E K)_{jj} / sqrt((E S Eᵀ)_{jj} · T_j)` for each output `j`.
    /// NaN for an output whose variance is 0.
    public func correlations(head e: Matrix) -> [Double] {
        let ek = e * cross, eseT = e * same * e.transposed
        return (0..<cross.rows).map { j in ek[j, j] / (eseT[j, j] * targetVariance[j]).squareRoot() }
    }

    /// The population loss `L = Σ_j 2(1 − ρ_j)`.
    public func loss(head e: Matrix) -> Double {
        correlations(head: e).reduce(0) { $0 + 2 * (1 - $1) }
    }
}
