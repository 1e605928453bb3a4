import RealModule
import HeadFlowNumerics
import HeadFlowData

/// The population loss and its gradient written term by term from the formulas
/// (docs/MODEL.md §2–3), with and without stop-gradient: the readable form
/// against which `PopulationObjective`'s allocation-free core is tested.
///
/// Per output `j`: `N_j = (E K)_jj`, `D_j = (E S Eᵀ)_jj`, `T_j = S_jj(target)`,
/// `ρ_j = N_j / sqrt(D_j T_j)`, `L = Σ_j 2(1 − ρ_j)`, so
/// `∂L = −2 Σ_j [∂N_j / sqrt(D_j T_j) − ρ_j ∂D_j / (2 D_j) − ρ_j ∂T_j / (2 T_j)]`.
/// Under stop-gradient `N_j` is differentiated in its online argument only
/// (`K_rj = c_× Σ_ℓ w_ℓ a_{ℓr}³ a_{ℓj,tg}³`, row `r`) and `∂T_j = 0`. Without it
/// (target = online) the target column of `K` and `T_j` are differentiated too.
public enum PopulationGradientReference {
    /// Loss and gradients at `online`, target factors at `target` (nil: the online
    /// state). `stopGradient == false` requires the target to be the online state.
    public static func evaluate(model: DataModel, online: ReducedState, target: ReducedState? = nil,
                                stopGradient: Bool = true) -> PopulationEvaluation {
        precondition(stopGradient || target == nil || target == online, "without stop-gradient the target is the online state")
        let tg = target ?? online
        let k = online.features, m = online.neurons
        let w = model.featureWeights
        let cx = model.crossViewCount, ce = model.sameViewCount
        let un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        let a = online.a, at = tg.a, e = online.e, b = online.b, bt = tg.b
        let s = PopulationMoments(model: model, a: a, b: b).same
        func cube(_ x: Double) -> Double { x * x * x }
        // K_rj: online neuron r, target neuron j.
        var kk = Matrix(rows: m, cols: m)
        for r in 0..<m { for j in 0..<m { for l in 0..<k { kk[r, j] += cx * w[l] * cube(a[l, r]) * cube(at[l, j]) } } }
        var gradA = Matrix(rows: k, cols: m), gradE = Matrix(rows: m, cols: m), g = Matrix(rows: m, cols: m)
        var loss = 0.0, rho = [Double](repeating: 0, count: m)
        for j in 0..<m {
            var tj = un * 15 * cube(bt[j, j])
            for l in 0..<k { tj += ce * w[l] * Double.pow(at[l, j], 6) }
            var nj = 0.0, dj = 0.0
            for r in 0..<m {
                nj += e[j, r] * kk[r, j]
                for c in 0..<m { dj += e[j, r] * e[j, c] * s[r, c] }
            }
            let root = (dj * tj).squareRoot()
            let rj = nj / root
            rho[j] = rj
            loss += 2 * (1 - rj)
            // Coefficients of ∂N_j, ∂D_j, ∂T_j in ∂L.
            let cN = -2 / root, cD = rj / dj, cT = stopGradient ? 0 : rj / tj
            for l in 0..<k {
                var psi = 0.0
                for r in 0..<m { psi += e[j, r] * cube(a[l, r]) }
                for q in 0..<m {
                    let dN = e[j, q] * cx * w[l] * 3 * a[l, q] * a[l, q] * cube(at[l, j])
                    let dD = 2 * e[j, q] * ce * w[l] * 3 * a[l, q] * a[l, q] * psi
                    gradA[l, q] += cN * dN + cD * dD
                }
                if !stopGradient {
                    gradA[l, j] += cN * cx * w[l] * psi * 3 * a[l, j] * a[l, j]
                    gradA[l, j] += cT * ce * w[l] * 6 * Double.pow(a[l, j], 5)
                }
            }
            // ∂D_j/∂B by the chain rule through φ(x, y, z) = 9xyz + 6z³ at (B_rr, B_cc, B_rc).
            for r in 0..<m { for c in 0..<m {
                let f = cD * un * e[j, r] * e[j, c]
                g[r, r] += f * 9 * b[c, c] * b[r, c]
                g[c, c] += f * 9 * b[r, r] * b[r, c]
                g[r, c] += f * (9 * b[r, r] * b[c, c] + 18 * b[r, c] * b[r, c])
            } }
            if !stopGradient { g[j, j] += cT * un * 45 * b[j, j] * b[j, j] }
            var se = [Double](repeating: 0, count: m)
            for r in 0..<m { for c in 0..<m { se[r] += s[r, c] * e[j, c] } }
            for r in 0..<m { gradE[j, r] = cN * kk[r, j] + cD * 2 * se[r] }
        }
        let sym = g + g.transposed
        return PopulationEvaluation(loss: loss, correlations: rho, gradA: gradA, gradB: 0.5 * sym,
                                    gradR: online.r * sym, gradE: gradE)
    }
}
