import HeadFlowNumerics
import HeadFlowData
import HeadFlowModel

/// Every parameter of one run, by the names the CLI uses (`headflow run --NAME`,
/// `headflow train --NAME`): the data, network, head and start, the integrator's
/// settings (the population flow) and the training ones (SGD). The value sweeps
/// vary and every JSON output records; which engine each acts in is said by its
/// entry in `RunParameter.all`.
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

    // MARK: SGD (train, sweep --engine sgd)

    /// `--batch`: batch size `N`.
    public var batch = 512
    /// `--lr`: encoder step `lr`; the head step is `lr · η_E/η`, and time is `t = lr · step`.
    public var lr = 1.0
    /// `--steps`: number of SGD steps; nil = `round(t_end / lr)`.
    public var steps: Int? = nil
    /// `--data`: where SGD's batches come from (fresh samples, or a fixed data set of `--samples`).
    public var data: DataKind = .online
    /// `--samples`: samples in the fixed data set (`--data fixed`).
    public var samples: Int? = nil
    /// `--sampler`: `full` (forms `W` and the patches) or `projected` (`[A; R]`, cost independent of `d`).
    public var sampler: SGDSampler = .full
    /// `--rng`: the generator of the data stream (`philox` by default, or GSL's `gsl`).
    public var rng: SGDGenerator = .philox
    /// `--bn-epsilon`: BN `ε` added to the batch variance **(choice: 0)**.
    public var bnEpsilon = 0.0
    /// `--data-seed`: seed of the batches; nil = derived from `--seed`.
    public var dataSeed: UInt64? = nil

    // MARK: Images (train and sweep --engine sgd with --data fashion-mnist or files; issue 20)

    /// `--patch`: patch side `p` (a patch is `p × p` pixels, `d = p²·channels`).
    public var patch = 7
    /// `--patch-stride`: stride of the patch grid; nil = `p` (non-overlapping).
    public var patchStride: Int? = nil
    /// `--activation`: `σ`, `cube` (the paper's `t³`) or `relu` (outside the theory).
    public var activation: ImageActivation = .cube
    /// `--shift`: random translation of each view by up to this many pixels (0: off).
    public var shift = 0
    /// `--flip`: random horizontal flip of each view.
    public var flip: OnOff = .off
    /// `--pixel-noise`: `σ` of Gaussian noise added to each pixel value of a view (in `[0, 1]`, before standardization; 0: off).
    public var pixelNoise = 0.0
    /// `--epochs`: passes over the training images.
    public var epochs = 10
    /// `--eval-every`: evaluate every this many epochs (and after the last); nil = after the last only.
    public var evalEvery: Int? = nil
    /// `--precision`: float32 or float64 for `W` and the products.
    public var precision: ImagePrecision = .float32
    /// `--images`: the training images file (`--data files`).
    public var images: String? = nil
    /// `--labels`: the training labels file (`--data files`).
    public var labels: String? = nil
    /// `--test-images`: the test images file (`--data files`).
    public var testImages: String? = nil
    /// `--test-labels`: the test labels file (`--data files`).
    public var testLabels: String? = nil

    /// The defaults of `headflow run`.
    public init() {}

    /// The data model.
    public var model: DataModel {
        DataModel(dimension: d, patches: patches, featurePatches: featurePatches, alpha: alpha,
                  probabilities: prob, noise: noise, maskProbability: maskProb)
    }

    /// The integrator in words (`odeiv2 auto (rk8pd steps by headflow's native transcription of GSL's) at rtol
    /// 1e-08, atol 1e-12`), for texts built from a spec.
    public var solverText: String {
        let engine = odeEngine == .native ? "rk8pd steps by headflow's native transcription of GSL's" : "GSL's own code"
        return "odeiv2 \(stepper.rawValue) (\(engine)) at rtol \(rtol), atol \(atol)"
    }

    /// Where SGD's batches come from (`--data` with `--samples`).
    public var dataSupply: DataSupply {
        switch data {
        case .online, .fashionMNIST, .files: return .online  // images never reach the synthetic samplers (TrainSpec.problem)
        case .fixed: return .fixed(samples: samples ?? 0)
        }
    }

    /// The model these parameters name (data, head and target rules, stop-gradient), shared by the flow and SGD.
    public var siamese: SiameseModel {
        var s = SiameseModel(data: model, head: head)
        s.target = target; s.emaTau = emaTau; s.stopGradient = stopGrad
        s.directPred = DirectPredHead(epsilon: dpEps, source: dpSource); s.dpRho = dpRho
        return s
    }

    /// The population vector field these parameters name (the model and the rates).
    public var field: PopulationField { PopulationField(model: siamese, eta: eta, etaE: etaE) }

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
