import ArgumentParser
import Foundation
import HeadFlow

/// The options that define and run a sweep (shared by `sweep` and `fit`);
/// maps one-to-one onto `SweepGrid` + `SweepEngine` + `Shard` + `SweepStore`.
struct SweepOptions: ParsableArguments {
    @Option(name: .customLong("vary"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Vary a run option over SPEC (repeatable; the first varies slowest). NAME: any run option (eta-e, d, noise, "
            + "feature-patches, seed, head, …), an entry alpha[ℓ], init-a[ℓ,j], init-b[j,r] (1-based), alpha-ratio "
            + "(α_2/α_1, α_1 fixed) or eta-e-ratio (η_E/η). SPEC: a list 0.001,0.003,0.01 or a range lo:hi:lin|log:n.",
        valueName: "NAME=SPEC"))
    var vary: [String] = []
    @OptionGroup(title: "Run options (the base of every cell)") var run: RunOptions
    @Option(name: [.customLong("outcome"), .customLong("metric")], parsing: .unconditional, help: ArgumentHelp(
        "What to tabulate: outcome, t_learn (first learn time of v_2), peak_e21 (max |E_21|), final_loss, "
            + "features_learned, or an event (learn_w1_v1, substitution, …). Image sweeps (--data fashion-mnist|files): linear_probe "
            + "(the default), knn, erank, rankme, max_neuron_cos, head_offdiag_max, head_deviation, final_loss.", valueName: "METRIC"))
    var outcome: String?
    @Option(parsing: .unconditional, help: "Engine per cell: population (the exact flow) or sgd (mini-batch SGD as headflow train: --batch, --lr, … act).")
    var engine: EngineKind = .population
    @Option(parsing: .unconditional, help: "Cells run in parallel (default: all cores).")
    var jobs: Int = WorkerPool.coreCount
    @Option(parsing: .unconditional, help: ArgumentHelp("Write each finished cell here at once; a re-run with the same DIR skips finished cells.", valueName: "DIR"))
    var out: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Run only the cells with index mod n = i (0 ≤ i < n); join the shards with headflow merge.", valueName: "i/n"))
    var shard: String?
    @Flag(help: "No progress bar on stderr.")
    var quiet = false

    /// Every option given, checked whether a sweep runs or not (`fit` reading
    /// sweep files validates them too): jobs, the base run options (training
    /// ones included) for the engine, `--vary` specs, `--shard`, `--out`.
    /// `data`: the images of an image sweep (`--data fashion-mnist|files`), loaded by `imageData()`; nil: only check them.
    func checkOptions(data: ImageData? = nil) throws(ParameterError) -> (base: RunSpec, engine: any SweepEngine, axes: [SweepAxis], shard: Shard?) {
        try require(jobs >= 1, ParameterError("jobs", must: "an integer ≥ 1", got: "\(jobs)"))
        let base = try run.spec(over: RunSpec())
        var axes: [SweepAxis] = []
        for v in vary { axes.append(try SweepAxis(parsing: v)) }
        let engine: any SweepEngine
        switch self.engine {
        case .population: engine = PopulationEngine()
        case .sgd where base.data.isImage: engine = data.map { ImageEngine(base: base, data: $0) } ?? ImageEngine(base: base, files: [])
        case .sgd: engine = SGDEngine(base: base)
        }
        let shard = try shard.map { s throws(ParameterError) in try Shard(parsing: s) }
        if let out { try OutputPath.validate(out, option: "out") }
        return (base, engine, axes, shard)
    }

    /// The validated grid, engine, shard and metric; every error names its option.
    func plan(data: ImageData? = nil) throws(ParameterError) -> (grid: SweepGrid, engine: any SweepEngine, shard: Shard?, metric: SweepMetric) {
        let (base, engine, axes, shard) = try checkOptions(data: data)
        let grid = try SweepGrid(base: base, axes: axes)
        try grid.checkActs(given: run.given.map(\.0), engine: self.engine.engines)
        try grid.validate { spec throws(ParameterError) in try engine.validate(spec) }
        let empty = SweepResult(manifest: grid.manifest(engine: engine.settingsJSON), axes: grid.axes, cells: [])
        return (grid, engine, shard, try empty.metric(outcome ?? (base.data.isImage ? "linear_probe" : "outcome"), option: metricOption))
    }

    /// The images of an image sweep (`--engine sgd --data fashion-mnist|files`), read and checked once for every
    /// cell (a bad file: `ImageFileError`, exit 64); nil for synthetic data.
    func imageData() throws -> ImageData? {
        let base: RunSpec
        do { base = try run.spec(over: RunSpec()) } catch { throw error.validation }
        guard engine == .sgd, let source = base.imageSource else { return nil }
        return try source.load()
    }

    /// Runs the sweep (resuming from `--out`), with a progress bar on stderr.
    func execute() throws -> (SweepResult, SweepMetric) {
        let plan: (grid: SweepGrid, engine: any SweepEngine, shard: Shard?, metric: SweepMetric)
        let data = try imageData()
        do { plan = try self.plan(data: data) } catch { throw error.validation }
        let grid = plan.grid
        let manifest = grid.manifest(engine: plan.engine.settingsJSON)
        let mine = (plan.shard ?? .all).cells(of: grid.count)
        var store: SweepStore? = nil
        var done: [CellResult] = []
        if let out {
            // The manifest is checked as merge/fit/plot will read it back before anything is written.
            do {
                let verified = try VerifiedManifest(manifest, source: out)
                store = try SweepStore.open(out, manifest: manifest)
                let (kept, rejected) = store!.resumable(verified)
                for why in rejected { printError("sweep: \(why); computing it again") }
                let wanted = Set(mine)
                done = kept.filter { wanted.contains($0.index) }
            } catch { throw ValidationError("--out must be a directory for this sweep (\(error))") }
        }
        let finished = Set(done.map(\.index))
        let todo = mine.filter { !finished.contains($0) }
        let bar = ProgressBar(total: mine.count, already: done.count, enabled: !quiet)
        let axes = grid.axes, sink = store
        let runner = SweepRunner(grid: grid, engine: plan.engine, jobs: jobs)
        let fresh = try bar.finishing(writing: "cell") {
            try runner.run(todo) { (cell: CellResult) throws(SweepFileError) in
                try sink?.write(cell, axes: axes)
                bar.tick()
            }
        }
        let result = SweepResult(manifest: manifest, axes: axes, cells: done + fresh, shard: plan.shard)
        return (result, plan.metric)
    }
}

/// `headflow sweep`: run a grid of cells and print the phase-transition table.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run the flow over a grid of parameters and print the phase-transition table (outcome or a metric per cell).",
        discussion: """
        Example (the README's table): headflow sweep --vary eta-e-ratio=1e-3:1:log:7 --vary alpha-ratio=0.2:0.9:lin:8 \
        --init-a "0.1,0.05;0.05,0.05" --init-b "1,0;0,1" --head offdiag. Rows: the first non-seed --vary; columns: the second; further ones make one \
        table each. A varied seed aggregates: each entry counts outcomes over the seeds (6D 2C) or shows the metric's \
        median. Cells run on --jobs threads, in a fixed order, so the output never depends on --jobs. With --out DIR \
        each finished cell is written at once and a re-run skips it; --shard i/n runs every n-th cell (GNU parallel, \
        a Slurm array: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT) and headflow merge joins the shards. \
        A cell whose integration fails is recorded as failed with the time reached (! in the table); the sweep \
        still exits 0 and says how many failed on stderr.
        """)

    @OptionGroup var sweep: SweepOptions
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .csv, .json, .markdown], "(csv/json/markdown: one row per cell with every parameter)."),
            completion: OutputFormat.completion([.table, .csv, .json, .markdown]))
    var format: String = "table"
    @Flag(help: "Also fit log METRIC on log of the one varied parameter besides seed (GSL least squares).")
    var fit = false

    func run() throws {
        let fmt: OutputFormat
        do { fmt = try OutputFormat.parse(format, allowed: [.table, .csv, .json, .markdown]) } catch { throw error.validation }
        let (result, metric) = try sweep.execute()
        var fitted: SweepFit? = nil
        if fit {
            let candidates = result.axes.filter { !$0.parameter.isSeed }
            guard candidates.count == 1 else {
                throw ValidationError("--fit needs exactly one varied parameter besides seed (got \(candidates.count)); use headflow fit --x NAME")
            }
            do { fitted = try SweepFit(result, x: candidates[0].parameter.name, y: metric) } catch {
                throw ValidationError(ParameterError("outcome", must: "a numeric metric with --fit", got: "\(metric)").description)
            }
        }
        emit(SweepReport(result, metric: metric), fmt, fit: fitted)
        reportFailures(result)
    }
}

/// Prints a report in `fmt` (a fit, if any, after it; into the JSON as `fit`).
func emit(_ report: SweepReport, _ fmt: OutputFormat, fit: SweepFit? = nil) {
    switch fmt {
    case .json:
        var json = report.json
        if let fit, case .object(let kv) = json { json = .object(kv + [("fit", fit.json)]) }
        print(json.rendered(pretty: true))
    case .csv:
        print(report.csv, terminator: "")
        if let fit { printError(fit.text) }
    case .markdown:
        print(report.markdown, terminator: "")
        if let fit { print("\n```\n" + fit.text + "```") }
    default:
        print(report.terminal(), terminator: "")
        if let fit { print("\n" + fit.text, terminator: "") }
    }
}

/// One line on stderr when cells failed or are missing (the exit code stays 0).
func reportFailures(_ result: SweepResult) {
    let failed = result.failed.count, missing = result.missing.count
    if failed > 0 { printError("headflow: \(failed) of \(result.expected.count) cells failed (integration); recorded with the time reached") }
    if missing > 0 { printError("headflow: \(missing) of \(result.expected.count) cells not run") }
}

/// `outcome` or `metric`, as the command line spells the metric option (the
/// last one given wins, as for the parser; `outcome` when neither is), so its error names what was typed.
var metricOption: String {
    let names = ["outcome", "metric"]
    for arg in CommandLine.arguments.reversed() {
        if let n = names.first(where: { arg == "--" + $0 || arg.hasPrefix("--" + $0 + "=") }) { return n }
    }
    return names[0]
}

/// Throws `error` unless `condition`.
func require(_ condition: Bool, _ error: ParameterError) throws(ParameterError) {
    if !condition { throw error }
}
