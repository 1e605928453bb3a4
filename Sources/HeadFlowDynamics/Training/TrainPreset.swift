import HeadFlowNumerics

/// Named parameter sets of `headflow train --preset NAME`.
public enum TrainPreset: String, CaseIterable, Sendable {
    /// A regime in which SGD reproduces the population phases (chosen from
    /// `scripts/sgd-map`; see the README's SGD section):
    /// `d = 50, P = 16, s = 8, α = (1.5, 0.9), σ_ξ = 0.7, η_E/η = 0.3`, the
    /// explicit start `A(0) = [[0.22, 0.08], [0.055, 0.11]]`, `B(0) = 0.96 I`
    /// (`≈ (d−k)/d · I`, the random start's mean), `t_end = 1000`, and SGD with
    /// `lr = 0.03`, `N = 2048`, the projected sampler.
    ///
    /// The flow from this start: neuron 1 learns `v_1` at `t ≈ 9`; with the
    /// `offdiag` head `E_21` rises (peak ≈ 0.26) and neuron 2 learns `v_2`
    /// (`t ≈ 197`), then `E → I`; with no head neuron 2 learns `v_1` (`t ≈ 87`).
    /// `σ_ξ = 0.7` rather than 1 keeps the SGD noise diffusion of `B` small (it
    /// scales like `σ_ξ⁶` while noise dominates the BN variance).
    case sgd

    /// The parameters (options left at their defaults on the command line take these).
    public var spec: TrainSpec {
        switch self {
        case .sgd:
            var s = TrainSpec()
            s.run.d = 50; s.run.patches = 16; s.run.featurePatches = 8
            s.run.alpha = [1.5, 0.9]; s.run.noise = 0.7
            s.run.etaE = 0.3; s.run.tEnd = 1000; s.run.points = 200
            s.run.initA = Matrix([[0.22, 0.08], [0.055, 0.11]])
            s.run.initB = Matrix([[0.96, 0], [0, 0.96]])
            s.run.lr = 0.03; s.run.batch = 2048; s.run.sampler = .projected
            return s
        }
    }
}
