import HeadFlowNumerics
import HeadFlowModel

// MARK: - The parameter table

extension RunParameter {
    /// Every parameter of a run, in the order of `headflow run --help` and of the
    /// JSON records. A new parameter is one entry here (and a field of `RunSpec`).
    public static let all: [RunParameter] = [
        .integer("d", \.d, "Dimension d (random start: d ≥ k + m; sets σ_0 = 1/√d).", range: "an integer ≥ 1") { $0 >= 1 },
        .integer("patches", \.patches, "Patches per sample P.", range: "an integer ≥ 1") { $0 >= 1 },
        .integer("feature-patches", \.featurePatches, "Feature patches per sample s (1 ≤ s ≤ P).", range: "an integer ≥ 1") { $0 >= 1 },
        .list("alpha", \.alpha, "Feature magnitudes α_1 > α_2 ≥ … (k comma-separated values).",
              range: "a list of finite magnitudes α_1 > α_2 ≥ … > 0") { .numbers($0.alpha) },
        .optionalList("prob", \.prob, "Feature probabilities p_ℓ, summing to 1 (default: uniform).",
                      range: "a list of k probabilities ≥ 0 summing to 1") { .numbers($0.model.probabilities) },
        .real("noise", \.noise, "Noise scale σ_ξ > 0 (noise patches ~ N(0, σ_ξ² Π)).", range: "a finite σ_ξ > 0") { $0 > 0 },
        .real("mask-prob", \.maskProb, "Probability a patch goes to view 1 (choice: 0.5).", range: "in (0, 1)") { $0 > 0 && $0 < 1 },
        .integer("neurons", \.neurons, "Neurons m (not given: the columns of --init-a or --init-b if given).", range: "an integer ≥ 1") { $0 >= 1 },
        .choice("head", \.head, "Prediction head E (see docs/MODEL.md)."),
        .real("eta", \.eta, "Encoder rate η ≥ 0.", range: "a finite η ≥ 0") { $0 >= 0 },
        .real("eta-e", \.etaE, "Head rate η_E ≥ 0 (the paper: η_E ≪ η).", range: "a finite η_E ≥ 0") { $0 >= 0 },
        .real("t-end", \.tEnd, "End time (units of 1/η).", range: "a finite time > 0") { $0 > 0 },
        .seed("seed", \.seed, "Seed of the random start (and of a random head)."),
        .optionalMatrix("init-a", \.initA, "Explicit A(0), rows ℓ, columns j: \"a11,a12;a21,a22\" (a_ℓj = ⟨w_j, v_ℓ⟩).",
                        range: "a k×m matrix of finite numbers"),
        .optionalMatrix("init-b", \.initB, "Explicit B(0) = WᵀΠW (m×m, symmetric PSD): \"b11,b12;b21,b22\".",
                        range: "an m×m symmetric positive semidefinite matrix of finite numbers"),
        .optionalReal("init-scale", \.initScale, "σ_0 of the random start (default 1/√d).", range: "a finite σ_0 > 0",
                      record: { .number($0.initScale ?? 1 / Double($0.d).squareRoot()) }) { $0 > 0 },
        .real("rtol", \.rtol, "Relative tolerance of the GSL error control (looser than 1e-2 is not a solution; "
              + "tighter than 1e-14 is below double precision).", range: "a tolerance in [1e-14, 1e-2]") { $0 >= 1e-14 && $0 <= 1e-2 },
        .real("atol", \.atol, "Absolute tolerance of the GSL error control (the state's entries are O(0.01–1)).",
              range: "a tolerance in [0, 1e-2]") { $0 >= 0 && $0 <= 1e-2 },
        .choice("stepper", \.stepper, "GSL odeiv2 stepper: auto is rk8pd, then msbdf after 5000 steps (500 with --target ema; stiff tails); "
                + "implicit ones use a finite-difference Jacobian."),
        .choice("ode-engine", \.odeEngine, "Whose code takes the rk8pd steps (auto's too): native (headflow's Swift transcription of "
                + "GSL's rk8pd, evolve and y_new control, bit-identical results, faster) or gsl (GSL's own)."),
        .choice("step-stops", \.stepStops, "Where the integrator's steps must end besides t_end: none (the steps, events and final "
                + "state do not depend on --points) or samples (also at each recorded time, SciML's tstops = saveat: each "
                + "sample is a step's end, and event times move with --points within the 1e-6 event tolerance)."),
        .integer("points", \.points, "Recorded samples: t = 0, then log-spaced from t_end·1e-4 to t_end (with --step-stops "
                 + "none the steps do not depend on them).", range: "an integer ≥ 2") { $0 >= 2 },
        .integer("max-steps", \.maxSteps, "At most this many accepted integrator steps.", range: "an integer ≥ 1") { $0 >= 1 },
        .choice("target", \.target, "Target branch: same (G = f at the online W, the paper) or ema (BYOL's momentum target, "
                + "dW_tg/dt = (W − W_tg)/τ)."),
        .real("ema-tau", \.emaTau, "Time constant τ of the EMA target (units of 1/η; SGD momentum 1 − lr/τ).",
              range: "a finite τ > 0") { $0 > 0 },
        .choice("stop-grad", \.stopGrad, "Stop-gradient on the target branch (off: the gradient also flows through G and its "
                + "variance; needs --target same)."),
        .real("dp-eps", \.dpEps, "ε of a directpred/directcopy head: E = U diag((λ_i/λ_max)^γ + ε) Uᵀ.",
              range: "a finite ε ≥ 0") { $0 >= 0 },
        .choice("dp-source", \.dpSource, "The matrix a directpred/directcopy head is set from: raw S or normalized D^{-1/2} S D^{-1/2}."),
        .real("dp-rho", \.dpRho, "ρ of the running second moment Ŝ ← ρ Ŝ + (1 − ρ) fᵀf/N of a directpred head in SGD.",
              range: "in [0, 1)") { $0 >= 0 && $0 < 1 },
    ]
}

// MARK: - Validation and records driven by the table

extension RunSpec {
    /// Checks every parameter against its range (in table order), then the
    /// constraints between parameters (the data model's: `s ≤ P`, `α` ordered,
    /// `Σ p_ℓ = 1`, `d ≥ k`). Every parameter is checked, whether the run uses
    /// it or not. Throws a `ParameterError` naming the first invalid one.
    public func validate() throws(ParameterError) {
        for p in RunParameter.all { try p.check(self) }
        try model.validate()
        if stopGrad == .off, target != .same {
            throw ParameterError("stop-grad", must: "on with --target ema (stop-gradient off is defined for --target same)", got: "off")
        }
    }

    /// Every parameter, by CLI name, plus the start actually used.
    public func json(start: ReducedState) -> JSONValue {
        guard case .object(let fields) = json else { return json }
        return .object(fields + [
            ("start", .object([("A", .matrix(start.a)), ("B", .matrix(start.b)), ("E", .matrix(start.e))])),
        ])
    }

    /// Every parameter, by CLI name (no start: the spec alone, e.g. a claim's preset).
    public var json: JSONValue { .object(RunParameter.all.map { ($0.name, $0.json(self)) }) }
}
