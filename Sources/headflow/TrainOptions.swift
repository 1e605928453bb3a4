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
    @Flag(help: "No progress on stderr.")
    var quiet = false

    /// The library value these options name; a `ParameterError` names the bad option.
    func spec() throws(ParameterError) -> TrainSpec {
        var s = preset?.spec ?? TrainSpec()
        s.run = preset == nil ? try model.spec() : try model.spec(over: s.run)
        try training.apply(to: &s)
        if let logEvery { s.logEvery = logEvery }
        return s
    }
}
