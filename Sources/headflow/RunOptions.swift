import ArgumentParser
import HeadFlow

/// The options of one population run; maps one-to-one onto `RunSpec`.
struct RunOptions: ParsableArguments {
    @Option(name: .customLong("d"), help: "Dimension d (random start: d ≥ k + m; sets σ_0 = 1/√d).")
    var d: Int = 100
    @Option(help: "Patches per sample P.")
    var patches: Int = 32
    @Option(name: .customLong("feature-patches"), help: "Feature patches per sample s (1 ≤ s ≤ P).")
    var featurePatches: Int = 8
    @Option(help: "Feature magnitudes α_1 > α_2 ≥ … (k comma-separated values).")
    var alpha: String = "1.5,1.0"
    @Option(help: "Feature probabilities p_ℓ, summing to 1 (default: uniform).")
    var prob: String?
    @Option(help: "Noise scale σ_ξ > 0 (noise patches ~ N(0, σ_ξ² Π)).")
    var noise: Double = 1.0
    @Option(name: .customLong("mask-prob"), help: "Probability a patch goes to view 1 (choice: 0.5).")
    var maskProb: Double = 0.5
    @Option(help: "Neurons m (default 2, or the columns of --init-a).")
    var neurons: Int?
    @Option(help: "Prediction head: none | offdiag | full | diag | random.")
    var head: String = "offdiag"
    @Option(help: "Encoder rate η ≥ 0.")
    var eta: Double = 1
    @Option(name: .customLong("eta-e"), help: "Head rate η_E ≥ 0 (the paper: η_E ≪ η).")
    var etaE: Double = 0.01
    @Option(name: .customLong("t-end"), help: "End time (units of 1/η).")
    var tEnd: Double = 2e4
    @Option(help: "Seed of the random start (and of a random head).")
    var seed: UInt64 = 1
    @Option(name: .customLong("init-a"), help: "Explicit A(0), rows ℓ, columns j: \"a11,a12;a21,a22\" (a_ℓj = ⟨w_j, v_ℓ⟩).")
    var initA: String?
    @Option(name: .customLong("init-b"), help: "Explicit B(0) = WᵀΠW (m×m, symmetric PSD): \"b11,b12;b21,b22\".")
    var initB: String?
    @Option(name: .customLong("init-scale"), help: "σ_0 of the random start (default 1/√d).")
    var initScale: Double?
    @Option(help: "Relative tolerance of the GSL error control.")
    var rtol: Double = 1e-8
    @Option(help: "Absolute tolerance of the GSL error control.")
    var atol: Double = 1e-12
    @Option(help: "GSL odeiv2 stepper: auto (rk8pd, then msbdf after 5000 steps: stiff tails) | rk8pd | rkck | rkf45 | rk4 | msbdf | bsimp | rk4imp (implicit ones use a finite-difference Jacobian).")
    var stepper: String = "auto"
    @Option(help: "Recorded samples: t = 0, then log-spaced from t_end·1e-4 to t_end.")
    var points: Int = 400
    @Option(name: .customLong("max-steps"), help: "At most this many accepted integrator steps.")
    var maxSteps: Int = 5_000_000

    /// The library value these options name; a `ParameterError` names the bad option.
    func spec() throws(ParameterError) -> RunSpec {
        var s = RunSpec()
        s.d = d; s.patches = patches; s.featurePatches = featurePatches
        s.alpha = try MatrixText.parseList(alpha, parameter: "alpha")
        s.prob = try prob.map { v throws(ParameterError) in try MatrixText.parseList(v, parameter: "prob") }
        s.noise = noise; s.maskProb = maskProb
        guard let h = HeadKind(rawValue: head) else {
            throw ParameterError("head", must: "one of " + HeadKind.allCases.map(\.rawValue).joined(separator: ", "), got: head)
        }
        s.head = h
        s.eta = eta; s.etaE = etaE; s.tEnd = tEnd; s.seed = seed
        s.initA = try initA.map { v throws(ParameterError) in try MatrixText.parseMatrix(v, parameter: "init-a") }
        s.initB = try initB.map { v throws(ParameterError) in try MatrixText.parseMatrix(v, parameter: "init-b") }
        if let n = neurons { s.neurons = n } else if let a = s.initA { s.neurons = a.cols } else if let b = s.initB { s.neurons = b.cols }
        s.initScale = initScale
        s.rtol = rtol; s.atol = atol
        guard let st = StepperKind(rawValue: stepper) else {
            throw ParameterError("stepper", must: "one of " + StepperKind.allCases.map(\.rawValue).joined(separator: ", "), got: stepper)
        }
        s.stepper = st
        s.points = points
        s.maxSteps = maxSteps
        return s
    }
}

extension RunOptions {
    /// The spec with `base` (a named preset) wherever an option was left at its
    /// default; an option typed with its default value also yields to the preset.
    func spec(over base: RunSpec) throws(ParameterError) -> RunSpec {
        let explicit = try spec()
        let defaults: RunSpec
        do { defaults = try RunOptions.parse([]).spec() } catch { return explicit }
        var s = base
        func pick<T: Equatable>(_ key: WritableKeyPath<RunSpec, T>) {
            if explicit[keyPath: key] != defaults[keyPath: key] { s[keyPath: key] = explicit[keyPath: key] }
        }
        pick(\.d); pick(\.patches); pick(\.featurePatches); pick(\.alpha); pick(\.prob); pick(\.noise); pick(\.maskProb)
        pick(\.neurons); pick(\.head); pick(\.eta); pick(\.etaE); pick(\.tEnd); pick(\.seed); pick(\.initA); pick(\.initB)
        pick(\.initScale); pick(\.rtol); pick(\.atol); pick(\.stepper); pick(\.points); pick(\.maxSteps)
        return s
    }

    /// The spec of `preset` (a `TrainPreset` name; its population part) merged with these options.
    func spec(preset name: String?) throws(ParameterError) -> RunSpec {
        guard let name else { return try spec() }
        return try spec(over: TrainPreset.named(name).spec.run)
    }
}

extension TrainPreset {
    /// The preset called `name` (`--preset`), or a `ParameterError` naming the valid ones.
    static func named(_ name: String) throws(ParameterError) -> TrainPreset {
        guard let p = TrainPreset(rawValue: name) else {
            throw ParameterError("preset", must: "one of " + TrainPreset.allCases.map(\.rawValue).joined(separator: ", "), got: name)
        }
        return p
    }
}

/// Output format of a command.
enum OutputFormat: String, CaseIterable {
    case table, json, csv, markdown

    static func parse(_ text: String, allowed: [OutputFormat]) throws(ParameterError) -> OutputFormat {
        guard let f = OutputFormat(rawValue: text), allowed.contains(f) else {
            throw ParameterError("format", must: "one of " + allowed.map(\.rawValue).joined(separator: ", "), got: text)
        }
        return f
    }
}
