import ArgumentParser
import HeadFlow

/// The options of one run, whichever engine solves it: one optional option per
/// entry of the parameter table (`RunParameter.all`), named and documented by its
/// entry; nil means "not given". `spec(over:engine:)` applies the given ones, in
/// table order, to a base spec (the defaults or a preset), validates the result
/// and rejects a given option that cannot act there (`--dp-rho` in `run`,
/// `--ema-tau` without `--target ema`). A new parameter is a table entry plus one
/// line here whose property name is the entry's name in camel case (a test
/// checks the two agree).
struct RunOptions: ParsableArguments {
    @Option(name: .customLong("d"), parsing: .unconditional, help: Self.help("d")) var d: String?
    @Option(parsing: .unconditional, help: Self.help("patches")) var patches: String?
    @Option(name: .customLong("feature-patches"), parsing: .unconditional, help: Self.help("feature-patches")) var featurePatches: String?
    @Option(parsing: .unconditional, help: Self.help("alpha")) var alpha: String?
    @Option(parsing: .unconditional, help: Self.help("prob")) var prob: String?
    @Option(parsing: .unconditional, help: Self.help("noise")) var noise: String?
    @Option(name: .customLong("mask-prob"), parsing: .unconditional, help: Self.help("mask-prob")) var maskProb: String?
    @Option(parsing: .unconditional, help: Self.help("neurons")) var neurons: String?
    @Option(parsing: .unconditional, help: Self.help("head")) var head: String?
    @Option(parsing: .unconditional, help: Self.help("eta")) var eta: String?
    @Option(name: .customLong("eta-e"), parsing: .unconditional, help: Self.help("eta-e")) var etaE: String?
    @Option(name: .customLong("t-end"), parsing: .unconditional, help: Self.help("t-end")) var tEnd: String?
    @Option(parsing: .unconditional, help: Self.help("seed")) var seed: String?
    @Option(name: .customLong("init-a"), parsing: .unconditional, help: Self.help("init-a")) var initA: String?
    @Option(name: .customLong("init-b"), parsing: .unconditional, help: Self.help("init-b")) var initB: String?
    @Option(name: .customLong("init-scale"), parsing: .unconditional, help: Self.help("init-scale")) var initScale: String?
    @Option(parsing: .unconditional, help: Self.help("rtol")) var rtol: String?
    @Option(parsing: .unconditional, help: Self.help("atol")) var atol: String?
    @Option(parsing: .unconditional, help: Self.help("stepper")) var stepper: String?
    @Option(name: .customLong("ode-engine"), parsing: .unconditional, help: Self.help("ode-engine")) var odeEngine: String?
    @Option(name: .customLong("step-stops"), parsing: .unconditional, help: Self.help("step-stops")) var stepStops: String?
    @Option(parsing: .unconditional, help: Self.help("points")) var points: String?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: Self.help("max-steps")) var maxSteps: String?
    @Option(parsing: .unconditional, help: Self.help("target")) var target: String?
    @Option(name: .customLong("ema-tau"), parsing: .unconditional, help: Self.help("ema-tau")) var emaTau: String?
    @Option(name: .customLong("stop-grad"), parsing: .unconditional, help: Self.help("stop-grad")) var stopGrad: String?
    @Option(name: .customLong("dp-eps"), parsing: .unconditional, help: Self.help("dp-eps")) var dpEps: String?
    @Option(name: .customLong("dp-source"), parsing: .unconditional, help: Self.help("dp-source")) var dpSource: String?
    @Option(name: .customLong("dp-rho"), parsing: .unconditional, help: Self.help("dp-rho")) var dpRho: String?
    @Option(parsing: .unconditional, help: Self.help("batch")) var batch: String?
    @Option(parsing: .unconditional, help: Self.help("lr")) var lr: String?
    @Option(parsing: .unconditional, help: Self.help("steps")) var steps: String?
    @Option(parsing: .unconditional, help: Self.help("data")) var data: String?
    @Option(parsing: .unconditional, help: Self.help("samples")) var samples: String?
    @Option(parsing: .unconditional, help: Self.help("sampler")) var sampler: String?
    @Option(parsing: .unconditional, help: Self.help("rng")) var rng: String?
    @Option(name: .customLong("bn-epsilon"), parsing: .unconditional, help: Self.help("bn-epsilon")) var bnEpsilon: String?
    @Option(name: .customLong("data-seed"), parsing: .unconditional, help: Self.help("data-seed")) var dataSeed: String?
    @Option(parsing: .unconditional, help: Self.help("patch")) var patch: String?
    @Option(name: .customLong("patch-stride"), parsing: .unconditional, help: Self.help("patch-stride")) var patchStride: String?
    @Option(parsing: .unconditional, help: Self.help("activation")) var activation: String?
    @Option(parsing: .unconditional, help: Self.help("shift")) var shift: String?
    @Option(parsing: .unconditional, help: Self.help("flip")) var flip: String?
    @Option(name: .customLong("pixel-noise"), parsing: .unconditional, help: Self.help("pixel-noise")) var pixelNoise: String?
    @Option(parsing: .unconditional, help: Self.help("epochs")) var epochs: String?
    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: Self.help("eval-every")) var evalEvery: String?
    @Option(parsing: .unconditional, help: Self.help("precision")) var precision: String?
    @Option(parsing: .unconditional, help: Self.help("images")) var images: String?
    @Option(parsing: .unconditional, help: Self.help("labels")) var labels: String?
    @Option(name: .customLong("test-images"), parsing: .unconditional, help: Self.help("test-images")) var testImages: String?
    @Option(name: .customLong("test-labels"), parsing: .unconditional, help: Self.help("test-labels")) var testLabels: String?

    /// The help of table entry `name`: its text, the choices of a named choice, and the default.
    static func help(_ name: String) -> ArgumentHelp {
        guard let p = RunParameter.named(name) else { return ArgumentHelp("(unknown parameter \(name))") }
        var text = p.help
        if p.engines != .all { text += " [\(p.engines.commands) only]" }
        if !p.kind.choices.isEmpty { text += " One of: " + p.kind.choices.joined(separator: ", ") + "." }
        if let d = p.defaultText { text += " (default: \(d))" }
        return ArgumentHelp(text, valueName: p.valueName)
    }

    /// The given options as (table entry, text), in table order.
    var given: [(RunParameter, String)] {
        var byProperty: [String: String] = [:]
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let option = child.value as? Option<String?> else { continue }
            if let text = option.wrappedValue { byProperty[String(label.dropFirst())] = text }
        }
        return RunParameter.all.compactMap { p in byProperty[p.propertyName].map { (p, $0) } }
    }

    /// `base` (the defaults or a named preset) with every given option applied, validated, and every given
    /// option checked to act when `engine` solves it. `--neurons` not given: the columns of `--init-a` (or `--init-b`) when one is.
    func spec(over base: RunSpec, engine: RunParameter.Engines) throws(ParameterError) -> RunSpec {
        let s = try spec(over: base)
        try s.checkActs(given.map(\.0), engine: engine)
        return s
    }

    /// `base` with every given option applied and validated; whether each acts is the caller's to check
    /// (a sweep checks it over its cells).
    func spec(over base: RunSpec) throws(ParameterError) -> RunSpec {
        var s = base
        let options = given
        for (p, text) in options { try p.assign(text: text, to: &s) }
        if !options.contains(where: { $0.0.name == "neurons" }) {
            if let a = s.initA { s.neurons = a.cols } else if let b = s.initB { s.neurons = b.cols }
        }
        try s.validate()
        return s
    }

    /// The spec of `preset`, or the defaults, with these options applied, for `engine`.
    func spec(preset: TrainPreset?, engine: RunParameter.Engines) throws(ParameterError) -> RunSpec {
        try spec(over: preset?.spec.run ?? RunSpec(), engine: engine)
    }
}

extension RunParameter {
    /// The Swift property of `RunOptions` for this entry: its name in camel case (`eta-e` → `etaE`).
    var propertyName: String {
        let parts = name.split(separator: "-")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
    }

    /// The value name in `--help` (`<eta-e>`, `<a11,a12;a21,a22>`).
    var valueName: String {
        switch kind {
        case .matrix: return name == "init-b" ? "b11,b12;b21,b22" : "a11,a12;a21,a22"
        case .list: return "x1,x2,…"
        default: return name
        }
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
