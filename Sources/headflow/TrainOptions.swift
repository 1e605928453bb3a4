import ArgumentParser
import HeadFlow

/// The options of one SGD run: those of `run` plus the training ones; maps
/// one-to-one onto `TrainSpec`.
struct TrainOptions: ParsableArguments {
    @OptionGroup var model: RunOptions
    @Option(help: "Named parameter set (\(TrainPreset.allCases.map(\.rawValue).joined(separator: ", "))); options left at their default take the preset's value.")
    var preset: String?
    @Option(help: "Batch size N ≥ 2 (default 512).")
    var batch: Int?
    @Option(help: "Encoder step lr > 0 (default 1); head step = lr·η_E/η. Time t = lr·step.")
    var lr: Double?
    @Option(help: "Number of SGD steps (default: round(t_end / lr)).")
    var steps: Int?
    @Option(help: "Data: online (fresh samples every step) | fixed (a data set of --samples samples).")
    var data: String = "online"
    @Option(help: "Samples in the fixed data set (--data fixed; ≥ --batch).")
    var samples: Int?
    @Option(help: "Sampler: full (forms W and every patch; cost ∝ d) | projected (exact on [A; R]; cost independent of d). Default full.")
    var sampler: String?
    @Option(name: .customLong("bn-epsilon"), help: "ε added to the batch variance in BN (choice: 0).")
    var bnEpsilon: Double = 0
    @Option(name: .customLong("data-seed"), help: "Seed of the batches (default: derived from --seed).")
    var dataSeed: UInt64?
    @Option(name: .customLong("log-every"), help: "Record a sample (and print progress) every this many steps (default: --points log-spaced times; progress every 5%).")
    var logEvery: Int?
    @Flag(help: "No progress on stderr.")
    var quiet = false

    /// The library value these options name; a `ParameterError` names the bad option.
    func spec() throws(ParameterError) -> TrainSpec {
        var s = TrainSpec()
        if let name = preset {
            guard let p = TrainPreset(rawValue: name) else {
                throw ParameterError("preset", must: "one of " + TrainPreset.allCases.map(\.rawValue).joined(separator: ", "), got: name)
            }
            s = p.spec
        }
        s.run = preset == nil ? try model.spec() : try model.spec(over: s.run)
        if let batch { s.batch = batch }
        if let lr { s.lr = lr }
        if let steps { s.steps = steps }
        switch data {
        case "online":
            guard samples == nil else { throw ParameterError("samples", must: "used with --data fixed only", got: "\(samples!)") }
            s.data = .online
        case "fixed":
            guard let n = samples else { throw ParameterError("samples", must: "given with --data fixed (an integer ≥ --batch)", got: "nothing") }
            s.data = .fixed(samples: n)
        default:
            throw ParameterError("data", must: "one of online, fixed", got: data)
        }
        if let name = sampler {
            guard let v = SGDSampler(rawValue: name) else {
                throw ParameterError("sampler", must: "one of " + SGDSampler.allCases.map(\.rawValue).joined(separator: ", "), got: name)
            }
            s.sampler = v
        }
        s.epsilon = bnEpsilon
        if let dataSeed { s.dataSeed = dataSeed }
        if let logEvery { s.logEvery = logEvery }
        return s
    }
}
