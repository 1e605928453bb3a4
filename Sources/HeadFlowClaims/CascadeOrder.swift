import HeadFlowNumerics
import HeadFlowDynamics

/// `cascade-order` (beyond the paper): the substitution events come in
/// cascade order — once neuron `i_ℓ` is the first to learn `v_ℓ`, the head
/// substitutes `v_ℓ` in every neuron not yet committed (`|E_{j i_ℓ}| |a_{ℓ i_ℓ}|³ >
/// 10 |a_{ℓj}|³`) before any neuron learns `v_{ℓ+1}`; and so on for each `ℓ < k`.
public struct CascadeOrder: Claim {
    /// The claim at its preset.
    public init() {}

    /// Stable id (a contract; see `Claim.id`).
    public let id = "cascade-order"
    /// The statement in the paper's notation.
    public let statement = "for ℓ = 1, 2: max_{j ∉ {i_1…i_ℓ}} t_sub(j ← i_ℓ, v_ℓ) < T(v_{ℓ+1}), where i_ℓ first learns v_ℓ and t_sub is the first t with |E_{j i_ℓ}| |a_{ℓ i_ℓ}|³ > 10 |a_{ℓj}|³"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "The cascade-k3 preset: k = m = 3, α = (1.5, 1.0, 0.8), A(0) = [[0.1, 0.06, 0.05], [0.05, 0.05, 0.05], [0.05, 0.05, 0.05]], B(0) = I, offdiag head, η_E/η = 0.03.",
        "Events substitution_w{j}_by_w{i}_v{ℓ} are located by bisection at every accepted step (relative time 1e-6); a neuron is committed once it is i_1, …, i_ℓ.",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("t_v1", "T(v_1): first time some neuron (i_1) learns v_1"),
        Quantity("t_sub_last_v1", "last substitution on v_1 among the neurons other than i_1"),
        Quantity("t_v2", "T(v_2): first time some neuron (i_2) learns v_2"),
        Quantity("t_sub_last_v2", "last substitution on v_2 among the neurons other than i_1, i_2"),
        Quantity("t_v3", "T(v_3)"),
    ]
    /// The pass conditions.
    public let criteria: [Criterion] = [
        .before("t_v1", "t_sub_last_v1"),
        .before("t_sub_last_v1", "t_v2"),
        .before("t_v2", "t_sub_last_v2"),
        .before("t_sub_last_v2", "t_v3"),
    ]
    /// Where it is stated.
    public let reference = "Beyond arXiv:2205.06226: the Phase II substitution of the paper, repeated for each feature"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "beyond the paper — the cascade runs through substitution: the head has substituted `v₁` in every other neuron (t = «t_sub_last_v1») before `v₂` is learned («t_v2»), and `v₂` («t_sub_last_v2») before `v₃` is («t_v3»)."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { .cascadeK3 }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none", expectation: "E_ji = 0 for ever: no substitution event, no cascade",
                            modify: { $0.with { $0.head = .none } }),
            NegativeControl("η_E = 0", expectation: "the offdiag head never leaves I: no substitution",
                            modify: { $0.with { $0.etaE = 0 } }),
        ]
    }

    /// Solves the preset and reads the substitution events.
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let run = try ClaimFlow.solve(preset)
        let failures = [ClaimFlow.failure(run, "run")].compactMap { $0 }
        let m = preset.neurons
        var committed: [Int] = []
        var values: [MeasuredValue] = []
        for l in 1...3 {
            let first = l <= preset.alpha.count ? ClaimFlow.firstLearning(run, feature: l, neurons: m) : nil
            values.append(MeasuredValue("t_v\(l)", first?.time))
            guard l < 3 else { break }
            guard let i = first?.neuron else { values.append(MeasuredValue("t_sub_last_v\(l)", nil)); continue }
            committed.append(i)
            let others = (1...m).filter { !committed.contains($0) }
            let times = others.map { run.time(of: "substitution_w\($0)_by_w\(i)_v\(l)") }
            // Every uncommitted neuron must be substituted; a missing event makes the value NaN.
            let last: Double? = times.contains { $0 == nil } || times.isEmpty ? nil : times.compactMap { $0 }.max()
            values.append(MeasuredValue("t_sub_last_v\(l)", last))
        }
        return ClaimMeasurement(values: values, failures: failures)
    }
}
