import ArgumentParser
import Foundation
import HeadFlow

/// `headflow boundary`: where the outcome (or a metric's level) changes along one parameter, on every cell of a grid.
struct BoundaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boundary",
        abstract: "Locate where the outcome changes (or a metric crosses --level) along one parameter, to --rel-precision, on every cell of the --vary grid.",
        discussion: """
        Example (the critical head rate η_E*/η against α_2/α_1): headflow boundary --along eta-e-ratio --between 1e-4,1 \
        --vary alpha-ratio=0.3,0.5,0.7,0.9 --init-a "0.1,0.05;0.05,0.05" --init-b "1,0;0,1". Each line is scanned at \
        --scan points (log-spaced for a positive parameter), then every change between neighbours is bisected until \
        (high − low) ≤ --rel-precision · high; a third outcome at a midpoint splits it into two switches. Both ends of \
        a bracket are solved by the flow, never interpolated; a failed integration is listed as such, never a switch. \
        --out, --shard, --jobs and headflow merge work as for sweep: the output is the same bytes whatever they are.
        """)

    @Option(parsing: .unconditional, help: ArgumentHelp("The parameter along each line: eta-e-ratio, eta-e, alpha-ratio, d, noise, feature-patches, … (numeric, not seed).", valueName: "NAME"))
    var along: String
    @Option(parsing: .unconditional, help: ArgumentHelp("The line's ends LO < HI (LO > 0 for a positive parameter, bisected in log).", valueName: "LO,HI"))
    var between: String
    @Option(parsing: .unconditional, help: "Coarse scan points per line, ends included (2…1000).")
    var scan: Int = 9
    @Option(name: .customLong("rel-precision"), parsing: .unconditional, help: ArgumentHelp("Bisect each switch until (high − low) ≤ this · max(|low|, |high|).", valueName: "r"))
    var relPrecision: Double = 0.005
    @Option(parsing: .unconditional, help: ArgumentHelp("With --metric M: locate where M crosses this level instead of an outcome change.", valueName: "x"))
    var level: Double?
    @OptionGroup var sweep: SweepOptions
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .csv, .json, .markdown], "(json: one object per line with every parameter)."),
            completion: OutputFormat.completion([.table, .csv, .json, .markdown]))
    var format: String = "table"

    /// The validated search and shard; every error names its option.
    func plan() throws(ParameterError) -> (BoundarySearch, Shard?) {
        let (base, engine, axes, shard) = try sweep.checkOptions()
        if base.data.isImage {
            throw ParameterError("data", actsOnly: "as online or fixed in boundary (it bisects the synthetic model; images: train and sweep)")
        }
        // The metric is read for the grid's shape (the neurons may vary), as sweep does.
        let neurons = axes.first { $0.parameter.key == .named("neurons") }?.values.compactMap { $0.number.map(Int.init) }.max() ?? 0
        let metric = try SweepMetric(parsing: sweep.outcome ?? "outcome", features: base.alpha.count, neurons: max(base.neurons, neurons), option: metricOption)
        let target: BoundaryTarget
        switch (metric, level) {
        case (.outcome, nil): target = .outcome
        case (.outcome, .some(let x)):
            throw ParameterError("level", must: "given with --metric M, a numeric metric (t_learn, an event, peak_e21, final_loss, erank, …)", got: "\(x)")
        case (let m, nil):
            throw ParameterError(metricOption, must: "outcome, or a numeric metric together with --level x", got: "\"\(m)\" without --level")
        case (let m, .some(let x)): target = .level(m, x)
        }
        let search = try BoundarySearch(base: base, axes: axes, along: along, between: between, scan: scan,
                                        relativePrecision: relPrecision, target: target, engine: engine)
        do throws(ParameterError) {
            try search.grid.checkActs(given: sweep.run.given.map(\.0), engine: sweep.engine.engines)
        } catch where error.parameter == "vary" && error.received.hasPrefix(search.along.name + "=") {
            throw ParameterError("along", must: error.validRange, got: search.along.name)
        }
        try search.grid.validate { spec throws(ParameterError) in try engine.validate(spec) }
        return (search, shard)
    }

    func run() throws {
        let fmt: OutputFormat
        let search: BoundarySearch, shard: Shard?
        do {
            fmt = try OutputFormat.parse(format, allowed: [.table, .csv, .json, .markdown])
            (search, shard) = try plan()
        } catch { throw error.validation }
        let mine = (shard ?? .all).cells(of: search.lineCount)
        var store: SweepStore? = nil
        var done: [BoundaryLine] = []
        if let out = sweep.out {
            do {
                store = try search.openStore(out)
                let (kept, rejected) = search.resumable(store!)
                for why in rejected { printError("boundary: \(why); searching it again") }
                let wanted = Set(mine)
                done = kept.filter { wanted.contains($0.index) }
            } catch { throw ValidationError("--out must be a directory for this boundary search (\(error))") }
        }
        let finished = Set(done.map(\.index))
        let todo = mine.filter { !finished.contains($0) }
        let bar = ProgressBar("boundary", unit: "lines", total: mine.count, already: done.count, enabled: !sweep.quiet)
        let sink = store
        let fresh = try bar.finishing(writing: "line") {
            try search.run(todo, jobs: sweep.jobs) { (line: BoundaryLine) throws(SweepFileError) in
                if let sink { try search.write(line, to: sink) }
                bar.tick()
            }
        }
        let result = BoundaryResult(manifest: search.manifest, axes: search.axes, lines: done + fresh, total: search.lineCount, shard: shard)
        emit(BoundaryReport(result), fmt)
        reportFailures(result)
    }
}

/// Prints a boundary report in `fmt`.
func emit(_ report: BoundaryReport, _ fmt: OutputFormat) {
    switch fmt {
    case .json: print(report.json.rendered(pretty: true))
    case .csv: print(report.csv, terminator: "")
    case .markdown: print(report.markdown, terminator: "")
    default: print(report.terminal(), terminator: "")
    }
}

/// One line on stderr when points failed or lines are missing (the exit code stays 0).
func reportFailures(_ result: BoundaryResult) {
    let failed = result.lines.reduce(0) { $0 + $1.result.failures.count }, missing = result.missing.count
    if failed > 0 { printError("headflow: \(failed) point\(failed == 1 ? "" : "s") failed (integration) in \(result.failed.count) of \(result.expected.count) lines; listed, never a switch") }
    if missing > 0 { printError("headflow: \(missing) of \(result.expected.count) lines not run") }
}

/// Whether `path` is a boundary's output: a `--out` directory with a boundary manifest, or a JSON list.
func isBoundary(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return false }
    if isDir.boolValue { return (try? SweepStore.readJSON(path + "/sweep.json"))?["format"]?.stringValue == BoundarySearch.format }
    guard let head = FileManager.default.contents(atPath: path)?.prefix(64) else { return false }
    return String(decoding: head, as: UTF8.self).drop { $0.isWhitespace }.first == "["
}

/// Loads boundary outputs: one JSON list, or `--out` directories (merged); any problem is one line, exit 64.
func loadBoundaries(_ paths: [String]) throws -> (BoundarySearch?, BoundaryResult) {
    do {
        let dirs = paths.filter { p in var d: ObjCBool = false; return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue }
        if dirs.count == paths.count { let (s, r) = try BoundarySearch.merge(paths); return (s, r) }
        guard paths.count == 1 else { throw SweepFileError(paths[0], "give one boundary JSON, or boundary --out directories to join") }
        return (nil, try BoundaryResult.load(paths[0], isDirectory: false))
    } catch { throw ValidationError("\(error)") }
}
