import ArgumentParser
import HeadFlow

/// The options of one SGD run: every parameter of the table (those acting in SGD)
/// plus how the run is executed and recorded; maps one-to-one onto `TrainSpec`.
struct TrainOptions: ParsableArguments {
    @OptionGroup var model: RunOptions
    @Option(parsing: .unconditional, help: "Named parameter set; options not given take the preset's value.")
    var preset: TrainPreset?
    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Record a sample every this many steps (default: --points log-spaced times).")
    var logEvery: Int?
    @Option(parsing: .unconditional, help: "Threads each step's batch is split over (≥ 1; default: all cores). The output is the same for any value.")
    var threads: Int?
    @Flag(help: "No progress on stderr.")
    var quiet = false

    /// The library value these options name; a `ParameterError` names the bad option, or one given that
    /// cannot act in SGD.
    func spec() throws(ParameterError) -> TrainSpec {
        var s = TrainSpec()
        s.run = try model.spec(preset: preset, engine: .sgd)
        if let logEvery {
            if s.run.data.isImage { throw ParameterError("log-every", actsOnly: "with synthetic data (on images: --eval-every)") }
            if model.points != nil { throw ParameterError("points", actsOnly: "without --log-every (it records every --log-every steps)") }
            s.logEvery = logEvery
        }
        if let threads {
            guard threads >= 1 else { throw ParameterError("threads", must: "an integer ≥ 1", got: "\(threads)") }
            s.threads = threads
        }
        return s
    }
}
