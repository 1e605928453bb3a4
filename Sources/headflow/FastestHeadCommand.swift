import ArgumentParser
import HeadFlow

/// `headflow fastest-head`: the head rate η_E/η at which the weak feature is learned soonest.
struct FastestHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastest-head",
        abstract: "Find the head rate η_E/η that makes the weak feature learned soonest (learn_w2_v2, or --event), by GSL's Brent.",
        discussion: """
        For the start and the horizon --t-end given by the run options, the time T(η_E/η) of the event (default \
        learn_w2_v2: neuron 2 learns the weak feature v_2, |cos_22| ≥ 0.9) is minimised over η_E/η in --between LO,HI, \
        in ln(η_E/η): first a coarse scan of --scan log-spaced rates; if its smallest time is at an end there is no \
        interior optimum ("monotone: no interior optimum, time falls toward the HI end", or the LO end) and that end is \
        reported; otherwise its neighbours bracket the minimum and GSL's Brent (gsl_min_fminimizer_brent) narrows it to \
        --rel-precision in η_E/η. An event that does not fire by t_end counts as T = +∞ ("never"; null in JSON, inf in \
        CSV), never as a number. Reported beside the optimum: T at the paper's default η_E/η = 0.01 and without a head \
        (--head none), with the speed-ups T_ref/T* (infinite when the reference never fires: the weak feature is not \
        learned without the head). --vary (as in sweep; not eta-e or eta-e-ratio) gives one row per cell, e.g. \
        --vary alpha-ratio=0.3:0.9:lin:7 for the table over α_2/α_1. --eta-e is refused: it is the searched rate. \
        A failed integration makes its row "failed", with the rate and the time reached. JSON keys: search, axes, base, \
        rows (values, parameters, verdict, message, optimum, scan, paper_default, no_head, runs).
        """)

    @Option(name: .customLong("vary"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Vary a run option over SPEC, one row per cell (repeatable; as in sweep, e.g. alpha-ratio=0.3:0.9:lin:7).",
        valueName: "NAME=SPEC"))
    var vary: [String] = []
    @OptionGroup(title: "Run options (the base of every cell)") var options: RunOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("The range of η_E/η searched, 0 < LO < HI.", valueName: "LO,HI"))
    var between: String = "1e-4,1"
    @Option(parsing: .unconditional, help: ArgumentHelp("The event whose time is minimised (learn_w{j}_v{ℓ}, substitution, …).", valueName: "NAME"))
    var event: String = FastestHeadSearch.defaultEvent
    @Option(parsing: .unconditional, help: ArgumentHelp("Rates in the coarse scan (log-spaced over --between, both ends; 3 … 1000).", valueName: "n"))
    var scan: String = "9"
    @Option(name: .customLong("rel-precision"), parsing: .unconditional, help: ArgumentHelp(
        "Brent stops when its bracket is narrower than this fraction of η_E/η (1e-6 … 0.5; below ~0.003 the events' "
            + "location tolerance, 1e-6 in time, decides).", valueName: "x"))
    var relPrecision: String = "0.01"
    @Option(parsing: .unconditional, help: "Threads (default: all cores): the cells, or one cell's scan.")
    var jobs: Int = WorkerPool.coreCount
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .json, .csv, .markdown], "(json/csv: every parameter of each row)."),
            completion: OutputFormat.completion([.table, .json, .csv, .markdown]))
    var format: String = "table"

    /// The validated search, axes and base; every error names its option.
    func plan() throws(ParameterError) -> (search: FastestHeadSearch, axes: [SweepAxis], base: RunSpec, format: OutputFormat) {
        let fmt = try OutputFormat.parse(format, allowed: [.table, .json, .csv, .markdown])
        try require(jobs >= 1, ParameterError("jobs", must: "an integer ≥ 1", got: "\(jobs)"))
        let ends = between.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard ends.count == 2, let lo = ends[0], let hi = ends[1] else {
            throw ParameterError("between", must: "LO,HI with 0 < LO < HI (rates η_E/η)", got: "\"\(between)\"")
        }
        guard let n = Int(Substring(scan).trimmingSpaces) else { throw ParameterError("scan", must: "an integer in [3, 1000]", got: scan) }
        guard let precision = Double(Substring(relPrecision).trimmingSpaces) else {
            throw ParameterError("rel-precision", must: "in [1e-6, 0.5]", got: relPrecision)
        }
        let search = FastestHeadSearch(event: event, lower: lo, upper: hi, scanPoints: n, relativePrecision: precision)
        var axes: [SweepAxis] = []
        for v in vary { axes.append(try SweepAxis(parsing: v)) }
        return (search, axes, try options.spec(over: RunSpec()), fmt)
    }

    func run() throws {
        let table: FastestHeadTable, fmt: OutputFormat
        do {
            let plan = try plan()
            fmt = plan.format
            table = try FastestHeadTable(base: plan.base, axes: plan.axes, search: plan.search, given: options.given.map(\.0), jobs: jobs)
        } catch { throw error.validation }
        let report = FastestHeadReport(table)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .csv: print(report.csv, terminator: "")
        case .markdown: print(report.markdown, terminator: "")
        default: print(report.terminal(), terminator: "")
        }
        let failed = table.rows.filter(\.result.isFailed).count
        if failed > 0 { printError("headflow: \(failed) of \(table.rows.count) cells failed (listed in the output)") }
    }
}
