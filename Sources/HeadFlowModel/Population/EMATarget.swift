import HeadFlowNumerics

/// BYOL's momentum target in the reduced coordinates (docs/MODEL.md, "Target rule").
///
/// The target weights follow `dW_tg/dt = (W − W_tg)/τ`, `W_tg(0) = W(0)`. Write
/// `W_tg = V A_tg + Π W_tg`. Since `Π W(t) = U R(t)` for the fixed orthonormal `U`
/// of the online flow, `Π W_tg` obeys the linear ODE `d(Π W_tg)/dt = (U R − Π W_tg)/τ`
/// with `Π W_tg(0) = Π W(0) = U R(0)`; `U R_tg(t)` with `dR_tg/dt = (R − R_tg)/τ`,
/// `R_tg(0) = R(0)` solves it, and by uniqueness `Π W_tg(t) = U R_tg(t)` for all `t`.
/// So the target is exactly `[A_tg; R_tg]` in the same basis, with
///
/// `dA_tg/dt = (A − A_tg)/τ`,  `dR_tg/dt = (R − R_tg)/τ`,
///
/// and the state stays `d`-free. The target enters the online gradient only through
/// `K_rj` (column `j` from `A_tg`) and the constant `T_j = S_jj(A_tg, B_tg)`,
/// `B_tg = R_tgᵀ R_tg` (see `PopulationObjective.velocity(…, target:)`).
/// As `τ → 0` the target follows the online state and the flow tends to the target
/// rule `same`; as `τ → ∞` the target stays at the start.
public enum EMATarget {
    /// Writes `d[A_tg; R_tg]/dt = ([A; R] − [A_tg; R_tg])/τ` into `dTarget` (`count`
    /// values, `count = k·m + m²`) from the online block `online` (same layout).
    /// No allocation. `τ > 0`.
    @inlinable
    public static func velocity(online: UnsafePointer<Double>, target: UnsafePointer<Double>,
                                into dTarget: UnsafeMutablePointer<Double>, count: Int, tau: Double) {
        let rate = 1 / tau
        for i in 0..<count { dTarget[i] = (online[i] - target[i]) * rate }
    }

    /// SGD's step of the target after each online step: `tg ← (1 − c) tg + c w` over `count` values,
    /// `c = lr/τ ≤ 1` (`W_tg ← W_tg + (lr/τ)(W − W_tg)`; with `c = 1` exactly `W_tg = W`).
    public static func sgdStep(_ tg: UnsafeMutablePointer<Double>, toward w: UnsafePointer<Double>, count: Int, rate c: Double) {
        let keep = 1 - c
        for i in 0..<count { tg[i] = keep * tg[i] + c * w[i] }
    }

    /// The readable form: `([A; R] − [A_tg; R_tg])/τ` as matrices.
    public static func velocity(online: ReducedState, target: ReducedState, tau: Double) -> (a: Matrix, r: Matrix) {
        ((1 / tau) * (online.a - target.a), (1 / tau) * (online.r - target.r))
    }
}
