import HeadFlowNumerics
import HeadFlowModel

// MARK: - The parameter table

extension RunParameter {
    /// Every parameter of a run, in the order of `headflow run --help` and of the
    /// JSON records. A new parameter is one entry here (and a field of `RunSpec`).
    public static let all: [RunParameter] = [
        .integer("d", \.d, "Dimension d (random start: d ≥ k + m; sets σ_0 = 1/√d).", range: "an integer ≥ 1") { $0 >= 1 }
            .acts(Acting.dimension).synthetic("d = p²·channels (--patch)"),
        .integer("patches", \.patches, "Patches per sample P.", range: "an integer ≥ 1") { $0 >= 1 }
            .synthetic("P follows from the image size, --patch and --patch-stride"),
        .integer("feature-patches", \.featurePatches, "Feature patches per sample s (1 ≤ s ≤ P).", range: "an integer ≥ 1") { $0 >= 1 }
            .synthetic("the images hold their own features"),
        .list("alpha", \.alpha, "Feature magnitudes α_1 > α_2 ≥ … (k comma-separated values).",
              range: "a list of finite magnitudes α_1 > α_2 ≥ … > 0") { .numbers($0.alpha) }
            .synthetic("the images hold their own features"),
        .optionalList("prob", \.prob, "Feature probabilities p_ℓ, summing to 1 (default: uniform).",
                      range: "a list of k probabilities ≥ 0 summing to 1") { .numbers($0.model.probabilities) }
            .synthetic("the images hold their own features"),
        .real("noise", \.noise, "Noise scale σ_ξ > 0 (noise patches ~ N(0, σ_ξ² Π)).", range: "a finite σ_ξ > 0") { $0 > 0 }
            .synthetic("--pixel-noise adds noise to the views"),
        .real("mask-prob", \.maskProb, "Probability a patch goes to view 1 (choice: 0.5).", range: "in (0, 1)") { $0 > 0 && $0 < 1 },
        .integer("neurons", \.neurons, "Neurons m (not given: the columns of --init-a or --init-b if given).", range: "an integer ≥ 1") { $0 >= 1 },
        .choice("head", \.head, "Prediction head E (see docs/MODEL.md)."),
        .real("eta", \.eta, "Encoder rate η ≥ 0 (η = 0 freezes the encoder in the flow; SGD needs η > 0).", range: "a finite η ≥ 0") { $0 >= 0 },
        .real("eta-e", \.etaE, "Head rate η_E ≥ 0 (the paper: η_E ≪ η).", range: "a finite η_E ≥ 0") { $0 >= 0 },
        .real("t-end", \.tEnd, "End time (units of 1/η; at most 10¹², far beyond every phase).", range: "a finite time in (0, 1e12]") { $0 > 0 && $0 <= 1e12 }
            .acts { s, engine in engine == .sgd && s.steps != nil ? "without --steps in SGD (it ends at t = lr·steps)" : nil }
            .synthetic("training runs for --epochs"),
        .seed("seed", \.seed, "Seed of the random start (and of a random head; in SGD, of the batches unless --data-seed).")
            .acts(Acting.seed),
        .optionalMatrix("init-a", \.initA, "Explicit A(0), rows ℓ, columns j: \"a11,a12;a21,a22\" (a_ℓj = ⟨w_j, v_ℓ⟩).",
                        range: "a k×m matrix of finite numbers")
            .synthetic("W(0) is drawn from --seed with --init-scale"),
        .optionalMatrix("init-b", \.initB, "Explicit B(0) = WᵀΠW (m×m, symmetric PSD): \"b11,b12;b21,b22\".",
                        range: "an m×m symmetric positive semidefinite matrix of finite numbers")
            .synthetic("W(0) is drawn from --seed with --init-scale"),
        .optionalReal("init-scale", \.initScale, "σ_0 of the random start (default 1/√d).", range: "a finite σ_0 > 0",
                      record: { .number($0.initScale ?? 1 / Double($0.d).squareRoot()) }) { $0 > 0 }
            .acts { s, _ in s.initA == nil ? nil : "with a random A(0) (without --init-a)" },
        .real("rtol", \.rtol, "Relative tolerance of the integrator's error control (looser than 1e-2 is not a solution; "
              + "tighter than 1e-14 is below double precision).", range: "a tolerance in [1e-14, 1e-2]") { $0 >= 1e-14 && $0 <= 1e-2 }
            .only(.population),
        .real("atol", \.atol, "Absolute tolerance of the integrator's error control (the state's entries are O(0.01–1)).",
              range: "a tolerance in [0, 1e-2]") { $0 >= 0 && $0 <= 1e-2 }
            .only(.population),
        .choice("stepper", \.stepper, "GSL odeiv2 stepper: auto is rk8pd, then msbdf after 5000 steps (500 with --target ema; stiff tails); "
                + "implicit ones use a finite-difference Jacobian.")
            .only(.population),
        .choice("ode-engine", \.odeEngine, "Whose code takes the rk8pd steps (auto's too): native (headflow's Swift transcription of "
                + "GSL's rk8pd, evolve and y_new control, bit-identical results, faster) or gsl (GSL's own).")
            .only(.population),
        .choice("step-stops", \.stepStops, "Where the integrator's steps must end besides t_end: none (the steps, events and final "
                + "state do not depend on --points) or samples (also at each recorded time, SciML's tstops = saveat: each "
                + "sample is a step's end, and event times move with --points within the 1e-6 event tolerance).")
            .only(.population),
        .integer("points", \.points, "Recorded samples: t = 0, then log-spaced from t_end·1e-4 to t_end (with --step-stops "
                 + "none the steps do not depend on them).", range: "an integer ≥ 2") { $0 >= 2 }
            .synthetic("the run is evaluated every --eval-every epochs"),
        .integer("max-steps", \.maxSteps, "At most this many accepted integrator steps.", range: "an integer ≥ 1") { $0 >= 1 }
            .only(.population),
        .choice("target", \.target, "Target branch: same (G = f at the online W, the paper) or ema (BYOL's momentum target, "
                + "dW_tg/dt = (W − W_tg)/τ)."),
        .real("ema-tau", \.emaTau, "Time constant τ of the EMA target (units of 1/η; SGD momentum 1 − lr/τ).",
              range: "a finite τ in [1e-3, 1e12]") { $0 >= 1e-3 && $0 <= 1e12 }
            .acts { s, _ in s.target == .ema ? nil : "with --target ema" },
        .choice("stop-grad", \.stopGrad, "Stop-gradient on the target branch (off: the gradient also flows through G and its "
                + "variance; needs --target same)."),
        .real("dp-eps", \.dpEps, "ε of a directpred/directcopy head: E = U diag((λ_i/λ_max)^γ + ε) Uᵀ.",
              range: "a finite ε in [0, 100]") { $0 >= 0 && $0 <= 100 }
            .acts(Acting.spectralHead),
        .choice("dp-source", \.dpSource, "The matrix a directpred/directcopy head is set from: raw S or normalized D^{-1/2} S D^{-1/2}.")
            .acts(Acting.spectralHead),
        .real("dp-rho", \.dpRho, "ρ of the running second moment Ŝ ← ρ Ŝ + (1 − ρ) fᵀf/N of a directpred head in SGD.",
              range: "in [0, 1)") { $0 >= 0 && $0 < 1 }
            .only(.sgd).acts(Acting.spectralHead),
        // SGD (train, sweep --engine sgd): recorded by SGD's own record, after the run's.
        .integer("batch", \.batch, "Batch size N ≥ 2.", range: "an integer ≥ 2 (BN needs two samples)") { $0 >= 2 }
            .only(.sgd).trainingRecord,
        .real("lr", \.lr, "Encoder step lr > 0; head step = lr·η_E/η. Time t = lr·step.", range: "a finite step in [1e-12, 1e6]")
            { $0 >= 1e-12 && $0 <= 1e6 }
            .only(.sgd).trainingRecord,
        .optionalInteger("steps", \.steps, "Number of SGD steps (default: round(t_end / lr)).", range: "an integer in 1…10⁹")
            { $0 >= 1 && $0 <= TrainingProblem.maximumSteps }
            .only(.sgd).trainingRecord.synthetic("training runs for --epochs"),
        .choice("data", \.data, "Data: online (fresh samples every step), fixed (a data set of --samples samples), "
                + "fashion-mnist (Debian's dataset-fashion-mnist) or files (--images, --labels, --test-images, --test-labels).")
            .only(.sgd).trainingRecord,
        .optionalInteger("samples", \.samples, "Samples in the fixed data set (--data fixed; ≥ --batch).", range: "an integer ≥ 1") { $0 >= 1 }
            .only(.sgd).trainingRecord.acts { s, _ in s.data == .fixed || s.data.isImage ? nil : "with --data fixed (or image data)" },
        .choice("sampler", \.sampler, "Sampler: full (forms W and every patch; cost ∝ d) or projected (exact on [A; R]; cost independent of d).")
            .only(.sgd).trainingRecord.synthetic("the image network forms every patch"),
        .choice("rng", \.rng, "Random number generator of the data: philox (Philox4x32-10, counter-based) or gsl (GSL's Mersenne Twister).")
            .only(.sgd).trainingRecord.synthetic("the orders and views come from Philox streams of --seed"),
        .real("bn-epsilon", \.bnEpsilon, "ε added to the batch variance in BN (choice: 0; at most 1, beyond which it drowns the variance).",
              range: "a finite ε in [0, 1]") { $0 >= 0 && $0 <= 1 }
            .only(.sgd).trainingRecord,
        .optionalSeed("data-seed", \.dataSeed, "Seed of the batches (default: derived from the run's --seed).")
            .only(.sgd).trainingRecord.synthetic("the orders and views come from Philox streams of --seed"),
        // Images (train and sweep --engine sgd with --data fashion-mnist or files): recorded by the image record.
        .integer("patch", \.patch, "Patch side p of the image network: p×p pixels per patch, d = p²·channels.",
                 range: "an integer ≥ 1 (at most the image side)") { $0 >= 1 }
            .image(),
        .optionalInteger("patch-stride", \.patchStride, "Stride of the image's patch grid (default: --patch, non-overlapping).",
                         range: "an integer ≥ 1") { $0 >= 1 }
            .image(),
        .choice("activation", \.activation, "σ of the image network: cube (the paper's t³) or relu (outside the theory).")
            .image(),
        .integer("shift", \.shift, "Random translation of each view by up to k pixels in each direction (0: off; zeros shifted in).",
                 range: "an integer in 0…255 (pixels)") { $0 >= 0 && $0 <= 255 }
            .image(),
        .choice("flip", \.flip, "Random horizontal flip of each view with probability 1/2.")
            .image(),
        .real("pixel-noise", \.pixelNoise, "σ of Gaussian noise added to every pixel value of a view (pixels in [0, 1]; 0: off).",
              range: "a finite σ ≥ 0") { $0 >= 0 }
            .image(),
        .integer("epochs", \.epochs, "Passes over the training images (⌊N/batch⌋ steps each).", range: "an integer in 1…100000")
            { $0 >= 1 && $0 <= 100_000 }
            .image(),
        .optionalInteger("eval-every", \.evalEvery, "Evaluate (probes, ranks, head) every this many epochs and after the last "
                         + "(default: after the last only).", range: "an integer ≥ 1") { $0 >= 1 }
            .image(),
        .choice("precision", \.precision, "Floating point of W and the image network's matrix products (the loss and head: float64).")
            .image(),
        .optionalPath("images", \.images, "Training images: IDX (idx3) or NumPy .npy (uint8, float32, float64; N×H×W or N×H×W×C), plain or gzip.")
            .image(files: true),
        .optionalPath("labels", \.labels, "Training labels: IDX (idx1) or .npy integers, one per image, plain or gzip.")
            .image(files: true),
        .optionalPath("test-images", \.testImages, "Test images (the probes' test set), as --images.")
            .image(files: true),
        .optionalPath("test-labels", \.testLabels, "Test labels, as --labels.")
            .image(files: true),
    ]

    /// The entries `RunSpec.json` records, in table order (the run record).
    public static let runRecord = all.filter(\.inRunRecord)

    /// The training entries (SGD only; recorded by SGD's record), in table order.
    public static let training = all.filter { !$0.inRunRecord && !$0.inImageRecord }

    /// The image entries (`--patch`, …, `--test-labels`), in table order: SGD on images only.
    public static let imageEntries = all.filter(\.inImageRecord)

    /// The entries acting on real images (`--data fashion-mnist` or `files`), in table order: what the image
    /// record holds (`RunSpec.imageJSON`).
    public static let onImages = all.filter { $0.engines.contains(.sgd) && $0.actsOnImages }
}

/// When a parameter given by the user can act, beside its engines (`RunParameter.actingCondition`).
enum Acting {
    /// `--d` sets the random start's law (σ_0 = 1/√d, B(0) ~ σ_0² Wishart_m(d − k)); SGD's network lives in R^d.
    static func dimension(_ s: RunSpec, _ engine: RunParameter.Engines) -> String? {
        guard engine == .population, s.initB != nil, s.initA != nil || s.initScale != nil else { return nil }
        let fixing = s.initA != nil ? "--init-a and --init-b" : "--init-b and --init-scale"
        return "through the random start in the population flow (here \(fixing) fix it), and in SGD"
    }

    /// `--seed` draws a random start or head, and in SGD the batches unless `--data-seed` is given.
    static func seed(_ s: RunSpec, _ engine: RunParameter.Engines) -> String? {
        if s.initA == nil || s.initB == nil || s.head == .random { return nil }
        if engine == .sgd && s.dataSeed == nil { return nil }
        return engine == .sgd ? "with a random start or head (without both --init-a and --init-b), or without --data-seed"
            : "with a random start or head (without both --init-a and --init-b)"
    }

    /// The DirectPred options act on a head set from the outputs' spectrum.
    static func spectralHead(_ s: RunSpec, _ engine: RunParameter.Engines) -> String? {
        s.head.isSpectral ? nil : "with --head directpred or directcopy"
    }
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
        if data == .fixed, samples == nil {
            throw ParameterError("samples", must: "given with --data fixed (an integer ≥ --batch)", got: "nothing")
        }
        if data == .files {
            for (name, path) in [("images", images), ("labels", labels), ("test-images", testImages), ("test-labels", testLabels)]
            where path == nil {
                throw ParameterError(name, must: "given with --data files (a file path; the four files are the training and test sets)",
                                     got: "nothing")
            }
        }
        try siamese.rules.validateRules()  // the rules' constraints between parameters (stop-gradient off needs --target same)
    }

    /// Every parameter, by CLI name, plus the start actually used.
    public func json(start: ReducedState) -> JSONValue {
        guard case .object(let fields) = json else { return json }
        return .object(fields + [
            ("start", .object([("A", .matrix(start.a)), ("B", .matrix(start.b)), ("E", .matrix(start.e))])),
        ])
    }

    /// Every parameter of the run record, by CLI name (no start: the spec alone, e.g. a claim's preset).
    public var json: JSONValue { .object(RunParameter.runRecord.map { ($0.name, $0.json(self)) }) }

    /// The training parameters, by CLI name (what an SGD sweep's manifest records as its engine settings).
    public var trainingJSON: [(String, JSONValue)] { RunParameter.training.map { ($0.name, $0.json(self)) } }

    /// Throws for the first of `given` (parameters the user gave) that cannot act in this spec solved by `engine`.
    public func checkActs(_ given: [RunParameter], engine: RunParameter.Engines) throws(ParameterError) {
        for p in given { try p.checkActs(in: self, engine: engine) }
    }
}
