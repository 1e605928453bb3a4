import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// Every parameter of one population run, by the names the CLI uses
/// (`headflow run --NAME`). The value sweeps vary and every JSON output records.
public struct RunSpec: Equatable, Sendable {
    /// `--d`: dimension `d`.
    public var d = 100
    /// `--patches`: patches `P`.
    public var patches = 32
    /// `--feature-patches`: feature patches `s`.
    public var featurePatches = 8
    /// `--alpha`: magnitudes `α_1 > α_2 ≥ …` (k values).
    public var alpha: [Double] = [1.5, 1.0]
    /// `--prob`: feature probabilities `p_ℓ`; nil = uniform.
    public var prob: [Double]? = nil
    /// `--noise`: `σ_ξ`.
    public var noise = 1.0
    /// `--mask-prob`: probability a patch goes to view 1 **(choice: 1/2)**.
    public var maskProb = 0.5
    /// `--neurons`: `m`.
    public var neurons = 2
    /// `--head`: head variant.
    public var head: HeadKind = .offdiag
    /// `--eta`: `η`.
    public var eta = 1.0
    /// `--eta-e`: `η_E`.
    public var etaE = 0.01
    /// `--t-end`: end time.
    public var tEnd = 2e4
    /// `--seed`: seed of the random start.
    public var seed: UInt64 = 1
    /// `--init-a`: explicit `A(0)` (k×m); nil = random.
    public var initA: Matrix? = nil
    /// `--init-b`: explicit `B(0)` (m×m); nil = random.
    public var initB: Matrix? = nil
    /// `--init-scale`: `σ_0` of the random start; nil = `1/√d`.
    public var initScale: Double? = nil
    /// `--rtol`: relative tolerance.
    public var rtol = 1e-8
    /// `--atol`: absolute tolerance.
    public var atol = 1e-12
    /// `--stepper`: GSL stepper.
    public var stepper: StepperKind = .auto
    /// `--ode-engine`: whose code takes the `rk8pd` steps (the same bits either way).
    public var odeEngine: ODEEngine = .native
    /// `--step-stops`: where the steps must end besides `t_end` (none: independent of `--points`).
    public var stepStops: StepStops = .none
    /// `--points`: recorded samples (log-spaced).
    public var points = 400
    /// `--max-steps`: at most this many accepted integrator steps.
    public var maxSteps = 5_000_000
    /// `--target`: the target rule, `same` (the paper) or BYOL's `ema`.
    public var target: TargetRule = .same
    /// `--ema-tau`: `τ` of the EMA target (units of 1/η) **(choice: 100)**.
    public var emaTau = 100.0
    /// `--stop-grad`: stop-gradient on the target branch (the paper: on).
    public var stopGrad: StopGradientRule = .on
    /// `--dp-eps`: `ε` of a DirectPred/DirectCopy head **(choice: 0.1)**.
    public var dpEps = 0.1
    /// `--dp-source`: the matrix a DirectPred/DirectCopy head is set from **(choice: raw)**.
    public var dpSource: DirectPredHead.Source = .raw
    /// `--dp-rho`: `ρ` of the exponential average `Ŝ ← ρ Ŝ + (1 − ρ) fᵀf/N` of SGD's DirectPred head **(choice: 0.3)**.
    public var dpRho = 0.3

    /// The defaults of `headflow run`.
    public init() {}

    /// The data model.
    public var model: DataModel {
        DataModel(dimension: d, patches: patches, featurePatches: featurePatches, alpha: alpha,
                  probabilities: prob, noise: noise, maskProbability: maskProb)
    }

    /// The integrator in words (`GSL odeiv2 auto at rtol 1e-08, atol 1e-12`), for texts built from a spec.
    public var solverText: String { "GSL odeiv2 \(stepper.rawValue) at rtol \(rtol), atol \(atol)" }

    /// The population vector field these parameters name (model, head, rates, target and head rules).
    public var field: PopulationField {
        var f = PopulationField(model: model, head: head, eta: eta, etaE: etaE)
        f.target = target; f.emaTau = emaTau; f.stopGradient = stopGrad
        f.directPred = DirectPredHead(epsilon: dpEps, source: dpSource)
        return f
    }

    /// Integrator settings. With `--stepper auto` the switch to `msbdf` comes after
    /// `IntegratorSettings.stiffAfterEMA` rk8pd steps for the EMA target (its block relaxes at
    /// rate 1/τ, which bounds an explicit step by a few τ over the whole run), after 5000 otherwise.
    public var settings: IntegratorSettings {
        var s = IntegratorSettings(stepper: stepper, rtol: rtol, atol: atol, maxSteps: maxSteps,
                                   stiffAfter: target == .ema ? IntegratorSettings.stiffAfterEMA : 5_000)
        s.engine = odeEngine
        s.stops = stepStops
        return s
    }

    /// The start this spec names.
    public var initialCondition: InitialCondition {
        if let initA { return .explicit(a: initA, b: initB, seed: seed) }
        if let initB {
            // Random A(0), explicit B(0): draw A from the seed, then use B.
            let a = RandomSource(seed: seed).gaussianMatrix(rows: alpha.count, cols: neurons,
                                                           sigma: initScale ?? 1 / Double(max(d, 1)).squareRoot())
            return .explicit(a: a, b: initB, seed: seed)
        }
        return .random(seed: seed, scale: initScale)
    }

    /// Validates every parameter and builds the problem. Throws a
    /// `ParameterError` naming the first invalid one — or the option to lower
    /// when the run would not fit in memory (`memoryEstimate`, checked before
    /// anything is allocated; `integrator: false` for a run another solver takes).
    public func problem(integrator: Bool = true) throws(ParameterError) -> PopulationProblem {
        try validate()
        try MemoryBudget.machine.check(memoryEstimate(integrator: integrator))
        let start = try initialCondition.state(model: model, neurons: neurons, head: head)
        let p = PopulationProblem(field: field, start: start, tEnd: tEnd)
        try p.validate()
        return p
    }

    /// Where `headflow run` records the trajectory: `--points` log-spaced samples.
    public var sampling: SampleTimes { .logarithmic(points: points) }
}
