import HeadFlowNumerics
import HeadFlowDynamics

extension RunSpec {
    /// The canonical start of the phase claims: `A(0) = [[0.1, 0.05],
    /// [0.05, 0.05]]` (rows `ℓ`, columns `j`: `a_11 = 0.1` leads), `B(0) = I`,
    /// the paper's `offdiag` head, `η = 1`, `η_E = 0.01`, `t_end = 2·10⁴`; data
    /// as `headflow run` (`P = 32`, `s = 8`, `α = (1.5, 1)`, `σ_ξ = 1`).
    public static var canonical: RunSpec {
        var s = RunSpec()
        s.initA = Matrix([[0.1, 0.05], [0.05, 0.05]])
        s.initB = .identity(2)
        s.neurons = 2
        s.head = .offdiag
        s.eta = 1
        s.etaE = 0.01
        s.tEnd = 2e4
        return s
    }
}
