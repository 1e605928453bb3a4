import HeadFlowNumerics
import HeadFlowDynamics

/// `diag-head-is-none` (docs/MODEL.md §5.6): a head with only its diagonal
/// trainable changes nothing. BN cancels a diagonal scale —
/// `ρ_j = E_jj K_jj / sqrt(E_jj² S_jj · S_jj)` does not depend on `E_jj > 0` —
/// so `∂L/∂E_jj = 0` on diagonal heads and the flow is the no-head flow. The
/// two trajectories agree to integrator tolerance at every recorded sample.
public struct DiagHeadIsNone: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "diag-head-is-none"
    /// The statement in the paper's notation.
    public let statement = "head diag ≡ head none: max_t max_{ℓ,j} |a_ℓj^diag(t) − a_ℓj^none(t)|, the same for B and E, and the relative differences of every event time are ≤ 1e-6"
    /// The hypotheses beyond the preset, in words.
    public var hypotheses: [String] {
        [
            "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; η_E/η = 0.01; t_end = 2·10⁴.",
            "Compared: the preset's head (diag) against head none, same start, same sample times (\(preset.points) log-spaced), \(preset.solverText).",
        ]
    }
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("state_diff_max", "max over samples and entries of |Δa_ℓj|, |ΔB_jr|, |ΔE_jr| (diag − none)"),
        Quantity("event_diff_max", "max over learn/substitution events of |Δt| / t (an event in one run only: ∞, printed — and null in JSON)"),
        Quantity("head_dev_max", "max_t ‖E(t) − I‖_F of the compared head"),
        Quantity("events_compared", "events located in both runs"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .atMost("state_diff_max", 1e-6),
        .atMost("event_diff_max", 1e-6),
        .atLeast("events_compared", 1),
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the discussion of diagonal heads (BN makes a diagonal rescaling of the output irrelevant); docs/MODEL.md §5.6"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "a head with only its diagonal trainable gives the no-head trajectory (to ~`«state_diff_max:1»`): BN cancels a diagonal scale, so only the off-diagonal entries can help."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.head = .diag } }

    /// The arm compared with: the same preset with head none.
    public func baseline(for preset: RunSpec) -> RunSpec { preset.with { $0.head = .none } }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] { [.run("baseline", baseline(for: preset))] }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head offdiag",
                            expectation: "the off-diagonal entries do change the flow: neuron 2 learns v_2 instead of v_1",
                            modify: { $0.with { $0.head = .offdiag } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let runs = try ClaimFlow.solveAll([preset, baseline(for: preset)])
        let (x, y) = (runs[0], runs[1])
        let failures = [ClaimFlow.failure(x, "compared head"), ClaimFlow.failure(y, "head none")].compactMap { $0 }
        var diff = x.samples.count == y.samples.count ? 0.0 : .infinity
        for (p, q) in zip(x.samples, y.samples) {
            guard p.time == q.time else { diff = .infinity; break }
            for (u, v) in [(p.a, q.a), (p.b, q.b), (p.e, q.e)] { let g = (u - v).maxAbs; diff = g.isNaN ? .infinity : max(diff, g) }
        }
        var eventDiff = 0.0, compared = 0
        for (e, f) in zip(x.events, y.events) {
            switch (e.time, f.time) {
            case (nil, nil): continue
            case (let s?, let t?): eventDiff = max(eventDiff, abs(s - t) / max(abs(t), .leastNormalMagnitude)); compared += 1
            default: eventDiff = .infinity
            }
        }
        return ClaimMeasurement(values: [
            MeasuredValue("state_diff_max", diff), MeasuredValue("event_diff_max", eventDiff),
            MeasuredValue("head_dev_max", x.maxHeadDeviation), MeasuredValue("events_compared", Double(compared)),
        ], failures: failures)
    }
}
