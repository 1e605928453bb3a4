import ArgumentParser
import HeadFlow

/// The options of one SGD run: those of `run` plus the training ones; maps
/// one-to-one onto `TrainSpec`.
struct TrainOptions: ParsableArguments {
    @OptionGroup var model: RunOptions
    @Option(parsing: .unconditional, help: "Named parameter set; options not given take the preset's value.")
    var preset: TrainPreset?
    @OptionGroup var training: SGDOptions
    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Record a sample every this many steps (default: --points log-spaced times).")
    var logEvery: Int?
    @Option(parsing: .unconditional, help: "Threads each step's batch is split over (≥ 1; default: all cores). The output is the same for any value.")
    var threads: Int?
    @Flag(help: "No progress on stderr.")
    var quiet = false

    /// The library value these options name; a `ParameterError` names the bad option.
    func spec() throws(ParameterError) -> TrainSpec {
        var s = preset?.spec ?? TrainSpec()
        s.run = preset == nil ? try model.spec() : try model.spec(over: s.run)
        try training.apply(to: &s)
        if let logEvery { s.logEvery = logEvery }
        if let threads {
            guard threads >= 1 else { throw ParameterError("threads", must: "an integer ≥ 1", got: "\(threads)") }
            s.threads = threads
        }
        return s
    }
}
