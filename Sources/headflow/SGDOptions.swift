import ArgumentParser
import HeadFlow

/// The SGD options of `headflow train` and `headflow sweep --engine sgd`; each
/// given option overrides the corresponding field of a `TrainSpec` (the
/// defaults of `TrainSpec`, or a named preset).
struct SGDOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Batch size N ≥ 2 (default 512).")
    var batch: Int?
    @Option(parsing: .unconditional, help: "Encoder step lr > 0 (default 1); head step = lr·η_E/η. Time t = lr·step.")
    var lr: Double?
    @Option(parsing: .unconditional, help: "Number of SGD steps (default: round(t_end / lr)).")
    var steps: Int?
    @Option(parsing: .unconditional, help: "Data: online (fresh samples every step, default) | fixed (a data set of --samples samples).")
    var data: String?
    @Option(parsing: .unconditional, help: "Samples in the fixed data set (--data fixed; ≥ --batch).")
    var samples: Int?
    @Option(parsing: .unconditional, help: "Sampler: full (forms W and every patch; cost ∝ d) or projected (exact on [A; R]; cost independent of d). Default full.")
    var sampler: SGDSampler?
    @Option(parsing: .unconditional, help: "Random number generator of the data: philox (Philox4x32-10, counter-based, default) or gsl (GSL's Mersenne Twister).")
    var rng: SGDGenerator?
    @Option(name: .customLong("bn-epsilon"), parsing: .unconditional, help: "ε added to the batch variance in BN (choice: 0).")
    var bnEpsilon: Double?
    @Option(name: .customLong("data-seed"), parsing: .unconditional, help: "Seed of the batches (default: derived from the run's --seed).")
    var dataSeed: UInt64?

    /// The first SGD option given (for the error when the engine is population).
    var firstGiven: String? {
        let given: [(String, Bool)] = [("batch", batch != nil), ("lr", lr != nil), ("steps", steps != nil), ("data", data != nil),
                                       ("samples", samples != nil), ("sampler", sampler != nil), ("rng", rng != nil), ("bn-epsilon", bnEpsilon != nil),
                                       ("data-seed", dataSeed != nil)]
        return given.first { $0.1 }?.0
    }

    /// Overrides the fields of `t` these options give; a `ParameterError` names the bad option.
    func apply(to t: inout TrainSpec) throws(ParameterError) {
        if let batch { t.batch = batch }
        if let lr { t.lr = lr }
        if let steps { t.steps = steps }
        switch data {
        case nil, "online":
            if let samples { throw ParameterError("samples", must: "used with --data fixed only", got: "\(samples)") }
            if data != nil { t.data = .online }
        case "fixed":
            guard let n = samples else { throw ParameterError("samples", must: "given with --data fixed (an integer ≥ --batch)", got: "nothing") }
            t.data = .fixed(samples: n)
        default:
            throw ParameterError("data", must: "one of online, fixed", got: data ?? "")
        }
        if let sampler { t.sampler = sampler }
        if let rng { t.generator = rng }
        if let bnEpsilon { t.epsilon = bnEpsilon }
        if let dataSeed { t.dataSeed = dataSeed }
    }

    /// The training part of a sweep cell: `TrainSpec` defaults with these options.
    func training() throws(ParameterError) -> TrainSpec {
        var t = TrainSpec()
        try apply(to: &t)
        return t
    }
}
