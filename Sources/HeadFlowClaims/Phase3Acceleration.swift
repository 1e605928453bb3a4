import HeadFlowNumerics
import HeadFlowDynamics

/// `phase3-acceleration` (docs/MODEL.md §5.3, Phase III): with the head, neuron 2
/// learns the weak feature `v_2` much faster than it would alone, while
/// `⟨w_2, v_1⟩` stays small. Measured: `t_2` (event `learn_w2_v2`) with the
/// head; `t_2^alone`, the same event with head `none` from the same start with
/// `a_12(0) = 0` (neuron 2 can then only learn `v_2`, and with `E = I` the
/// neurons are decoupled); the ratio `t_2^alone / t_2`; and
/// `max_{t ≤ t_2} |a_12(t)| / |a_12(0)|`.
public struct Phase3Acceleration: Claim {
    /// Evenly spaced samples of the run with the head, for `max_{t ≤ t_2} |a_12|`.
    public let densePoints: Int
    /// Longest time the reference run (alone) is integrated, in units of its `t_end`.
    public let referenceHorizon: Double

    /// The claim at its preset: 10 001 samples on `[0, t_end]` (spacing 2), reference up to 100 `t_end`.
    public init(densePoints: Int = 10_001, referenceHorizon: Double = 100) {
        self.densePoints = densePoints; self.referenceHorizon = referenceHorizon
    }

    /// Stable id (a contract; see `Claim.id`).
    public let id = "phase3-acceleration"
    /// The statement in the paper's notation.
    public let statement = "t_2^alone / t_2 ≥ 5 and max_{t ≤ t_2} |a_12(t)| < 2|a_12(0)|, where t_2 = learn_w2_v2 with the head and t_2^alone = learn_w2_v2 with head none and a_12(0) = 0"
    /// The hypotheses beyond the preset, in words.
    public let hypotheses = [
        "Canonical start A(0) = [[0.1, 0.05], [0.05, 0.05]], B(0) = I, E(0) = I; offdiag head with η_E/η = 0.03 (see the remarks).",
        "Reference (alone): the same preset with head none and a_12(0) = 0, integrated until learn_w2_v2 (at most 100 t_end).",
        "max |a_12| over [0, t_2] on 10 001 evenly spaced samples of [0, t_end] (spacing 2; the rise of |a_12| lasts ≈ 50 time units).",
    ]
    /// What is measured, in `measure`'s order.
    public let quantities = [
        Quantity("t_learn_w2_v2", "t_2: first time |cos(w_2, v_2)| ≥ 0.9, with the head"),
        Quantity("t_alone", "t_2^alone: the same event, head none, a_12(0) = 0"),
        Quantity("acceleration", "t_2^alone / t_2"),
        Quantity("growth_a12_to_t2", "max over t ≤ t_2 of |a_12(t)| / |a_12(0)|"),
    ]
    /// The pass conditions (thresholds).
    public let criteria: [Criterion] = [
        .atLeast("acceleration", 5),
        .below("growth_a12_to_t2", 2),
    ]
    /// Why a threshold or a preset is what it is.
    public let remarks = [
        "Preset η_E/η = 0.03, not 0.01: at η_E/η = 0.01 the bound on a_12 fails. Just before learn_w2_v2 neuron 2 sheds its noise part (B_22 falls from ≈ 0.4 to ≈ 0.01 within ≈ 30 time units) and |a_12| peaks at 2.62× its start, then falls back to about its start once w_2 turns to v_2; an independent numpy/scipy integration of docs/MODEL.md §3–4 gives the same 2.62. On this start the bound holds at every η_E/η scanned in [0.018, 0.1] and fails at 0.015 and below. The η_E/η = 0.01 case is kept as a negative control.",
    ]
    /// Where the paper states it.
    public let reference = "arXiv:2205.06226, the acceleration effect (Phase III of the learning process with the prediction head); docs/MODEL.md §5.3"
    /// What the verdict means for the paper (the README's claims block; see `Claim.meaning`).
    public let meaning = "Phase III — once substituted, neuron 2 learns the weak feature «acceleration»× faster than it would alone, without its `v₁` correlation doubling: the acceleration effect. The preset uses `η_E/η = 0.03`: at `0.01` `|a₁₂|` transiently more than doubles just before neuron 2 turns to `v₂` (kept as a negative control; see [`Theorems/phase3-acceleration.md`](Theorems/phase3-acceleration.md))."

    /// The preset run (see the hypotheses).
    public var preset: RunSpec { RunSpec.canonical.with { $0.etaE = 0.03 } }

    /// The reference arm: head none, `a_12(0) = 0`, the rest as `preset`.
    public func reference(for preset: RunSpec) -> RunSpec {
        preset.with { s in
            s.head = .none
            if var a = s.initA, a.rows >= 1, a.cols >= 2 { a[0, 1] = 0; s.initA = a }
        }
    }

    /// Settings beyond the preset: grids, seeds, reference runs.
    public func settings(for preset: RunSpec) -> [ClaimSetting] {
        [.run("reference", reference(for: preset)), .integers("dense-points", [densePoints])]
    }

    /// Presets under which the claim must fail.
    public var negativeControls: [NegativeControl] {
        [
            NegativeControl("head none",
                            expectation: "no head: neuron 2 ends on v_1, learn_w2_v2 never happens",
                            modify: { $0.with { $0.head = .none } }),
            NegativeControl("eta-e 0.01",
                            expectation: "|a_12| peaks at 2.6× its start just before learn_w2_v2 (see the remarks)",
                            modify: { $0.with { $0.etaE = 0.01 } }),
        ]
    }

    /// Runs the claim's computation on `preset` (see the type's documentation).
    public func measure(_ preset: RunSpec) throws(ParameterError) -> ClaimMeasurement {
        let ref = reference(for: preset)
        _ = try preset.problem()
        _ = try ref.problem()
        let dense = densePoints, horizon = referenceHorizon * ref.tEnd
        // The two arms are independent: one per core.
        let arms = WorkerPool.map([0, 1]) { arm -> Result<(Double?, Double), ClaimRunFailure> in
            if arm == 0 {
                guard let t = try? ClaimFlow.solve(preset, sampling: .linear(points: dense)) else { return .failure(ClaimRunFailure("invalid preset")) }
                if let f = ClaimFlow.failure(t, "with head") { return .failure(ClaimRunFailure(f)) }
                let t2 = ClaimFlow.learnTime(t, neuron: 2, feature: 2)
                return .success((t2, t2.map { ClaimFlow.maxGrowth(t, feature: 0, neuron: 1, until: $0) } ?? .nan))
            }
            guard let r = try? ClaimFlow.firstTime(ref, horizon: horizon, find: { ClaimFlow.learnTime($0, neuron: 2, feature: 2) })
            else { return .failure(ClaimRunFailure("invalid reference preset")) }
            return r.map { ($0, .nan) }
        }
        var failures: [String] = []
        var t2: Double?, growth = Double.nan, alone: Double?
        switch arms[0] {
        case .success(let v): (t2, growth) = v
        case .failure(let f): failures.append(f.text)
        }
        switch arms[1] {
        case .success(let v): alone = v.0
        case .failure(let f): failures.append(f.text)
        }
        let ratio = (alone ?? .nan) / (t2 ?? .nan)
        return ClaimMeasurement(values: [
            MeasuredValue("t_learn_w2_v2", t2), MeasuredValue("t_alone", alone),
            MeasuredValue("acceleration", ratio), MeasuredValue("growth_a12_to_t2", growth),
        ], failures: failures)
    }
}
