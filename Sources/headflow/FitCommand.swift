import ArgumentParser
import HeadFlow

/// `headflow fit`: a scaling exponent from a sweep — the slope of log y on log x.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit log y on log x over a sweep (GSL linear least squares) and print the slope with its standard error.",
        discussion: """
        Reads sweeps (--out directories or sweep JSON files), or runs one from --vary and the run options when no \
        input is given. Example: headflow fit --x d --y learn_w1_v1 --vary d=50:800:log:5 --vary seed=1:4:lin:4. \
        Every finished cell where y happened is a point (seeds are separate points); the others are counted. \
        Given the output of headflow boundary (its JSON or --out directories), y is each line's first switch \
        (its bracket's midpoint, the bracket as its error) against the varied parameter --x.
        """)

    @Argument(help: ArgumentHelp("Sweep directories or sweep JSON files (omit to run the sweep).", valueName: "SWEEP"))
    var inputs: [String] = []
    @Option(parsing: .unconditional, help: ArgumentHelp("The varied parameter on the x axis (default: the only one besides seed).", valueName: "NAME"))
    var x: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("The metric on the y axis: an event (learn_w1_v1, …), t_learn, peak_e21, final_loss (default: --outcome).", valueName: "METRIC"))
    var y: String?
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .json]), completion: OutputFormat.completion([.table, .json]))
    var format: String = "table"
    @Option(name: .customLong("switch"), parsing: .unconditional, help: ArgumentHelp("With a boundary: fit each line's first switch of this kind (C:D; default: the first switch).", valueName: "BELOW:ABOVE"))
    var switchKind: String?
    @OptionGroup(title: "Sweep (when no SWEEP is given)") var sweep: SweepOptions

    func run() throws {
        let fmt: OutputFormat
        do { fmt = try OutputFormat.parse(format, allowed: [.table, .json]) } catch { throw error.validation }
        if !inputs.isEmpty, inputs.allSatisfy(isBoundary) { return try fitBoundary(fmt) }
        if let switchKind { throw ParameterError("switch", must: "given with a boundary's output (headflow boundary)", got: switchKind).validation }
        let result: SweepResult
        if inputs.isEmpty {
            guard !sweep.vary.isEmpty else { throw ValidationError("fit needs a SWEEP (directory or JSON) or --vary NAME=SPEC to run one") }
            result = try sweep.execute().0
        } else {
            guard sweep.vary.isEmpty else { throw ValidationError("fit takes either SWEEP inputs or --vary, not both") }
            // The sweep options are unused with SWEEP inputs, but every option given is still checked.
            do { _ = try sweep.checkOptions() } catch { throw error.validation }
            result = try loadSweeps(inputs)
        }
        let fit: SweepFit
        do throws(ParameterError) {
            // --outcome/--metric is checked against the sweep even when --y overrides it.
            var metric = try result.metric(sweep.outcome ?? "outcome", option: metricOption)
            if let y { metric = try result.metric(y, option: "y") }
            let others = result.axes.filter { !$0.parameter.isSeed }
            guard let xName = x ?? (others.count == 1 ? others[0].parameter.name : nil) else {
                throw ParameterError("x", must: "one of " + others.map(\.parameter.name).joined(separator: ", "), got: "nothing")
            }
            fit = try SweepFit(result, x: xName, y: metric)
        } catch { throw error.validation }
        if let why = fit.failure {  // nothing is a result: one line on stderr, exit 1
            let missing = result.missing.count
            printError("headflow: \(why)" + (missing > 0 ? "; \(missing) of \(result.expected.count) cells not run" : ""))
            throw ExitCode.failure
        }
        switch fmt {
        case .json: print(fit.json.rendered(pretty: true))
        default: print(fit.text, terminator: "")
        }
        reportFailures(result)
    }

    /// The law of a boundary (`headflow boundary` output): the first switch's midpoint against the varied parameter.
    func fitBoundary(_ fmt: OutputFormat) throws {
        guard sweep.vary.isEmpty else { throw ValidationError("fit takes either SWEEP inputs or --vary, not both") }
        if let y { throw ParameterError("y", must: "left out with a boundary (y is the switch's midpoint)", got: y).validation }
        do { _ = try sweep.checkOptions() } catch { throw error.validation }
        let (_, result) = try loadBoundaries(inputs)
        let fit: SweepFit
        do { fit = try SweepFit(boundary: result, x: x, switch: switchKind) } catch { throw error.validation }
        if let why = fit.failure { printError("headflow: \(why)"); throw ExitCode.failure }
        switch fmt {
        case .json: print(fit.json.rendered(pretty: true))
        default: print(fit.text, terminator: "")
        }
        reportFailures(result)
    }
}
