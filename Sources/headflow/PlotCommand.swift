import ArgumentParser
import Foundation
import HeadFlow

/// `headflow plot`: figures drawn by gnuplot (Debian `gnuplot-nox`).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a run's trajectory, a sweep's phase diagram, a features table or ranks over time with gnuplot (PNG or SVG).",
        // A new figure is one more subcommand here (a GnuplotFigure builder + `Gnuplot.draw`).
        subcommands: [PlotTrajectoryCommand.self, PlotPhaseCommand.self, PlotFeaturesCommand.self, PlotRankCommand.self,
                      PlotBoundaryCommand.self])
}

/// `headflow plot features FEATURES.json -o FILE`.
struct PlotFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Distinct features learned against k, one line per head (mean ± sd), from headflow features --format json.")

    @Argument(help: ArgumentHelp("The JSON of headflow features --format json.", valueName: "FEATURES.json"))
    var input: String
    @OptionGroup var file: FigureFile
    var output: String { file.output }

    func run() throws {
        let (gnuplot, terminal) = try file.target()
        try gnuplot.draw {
            try GnuplotFigure.features(try SweepStore.readJSON(input), source: input, terminal: terminal,
                                       output: Gnuplot.absolute(output))
        }
    }
}

/// `headflow plot trajectory RUN.json -o FILE`.
struct PlotTrajectoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trajectory",
        abstract: "cos_ℓj(t) and the off-diagonal E_jr(t) on a log time axis, events dashed (from headflow run --format json).")

    @Argument(help: ArgumentHelp("The JSON of headflow run --format json (or train).", valueName: "RUN.json"))
    var input: String
    @OptionGroup var file: FigureFile
    var output: String { file.output }

    func run() throws {
        let (gnuplot, terminal) = try file.target()
        try gnuplot.draw {
            try GnuplotFigure.trajectory(run: try RunJSON.validated(SweepStore.readJSON(input), source: input), source: input,
                                         terminal: terminal, output: Gnuplot.absolute(output))
        }
    }
}

/// `headflow plot phase SWEEP.json -o FILE`.
struct PlotPhaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phase",
        abstract: "A heat map of a sweep's outcome (or --outcome METRIC) over its two varied parameters (--boundary: a boundary's switches over it).")

    @Argument(help: ArgumentHelp("A sweep JSON (sweep --format json) or a sweep --out directory.", valueName: "SWEEP.json"))
    var input: String
    @OptionGroup var file: FigureFile
    var output: String { file.output }
    @Option(name: [.customLong("outcome"), .customLong("metric")], help: ArgumentHelp("What to colour (as in sweep).", valueName: "METRIC"))
    var outcome: String = "outcome"
    @Option(parsing: .unconditional, help: ArgumentHelp("Draw this boundary's switches over the cells (headflow boundary along one of the two axes, varying the other).", valueName: "BOUNDARY.json"))
    var boundary: String?

    func run() throws {
        let (gnuplot, terminal) = try file.target()
        let result = try loadSweeps([input])
        let curves: BoundaryResult?
        do { curves = try boundary.map { try loadBoundaries([$0]).1 } } catch { throw ValidationError("--boundary: \(error)") }
        let metric: SweepMetric
        do { metric = try result.metric(outcome, option: metricOption) } catch { throw error.validation }
        try gnuplot.draw {
            try GnuplotFigure.phase(SweepReport(result, metric: metric), source: boundary ?? input, terminal: terminal,
                                    output: Gnuplot.absolute(output), boundary: curves)
        }
    }
}

/// `headflow plot rank RUN.json… -o FILE`.
struct PlotRankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "erank(t) (or --of rankme_f, erank_F, rankme_F) of several runs on one log time axis (from headflow run --format json).")

    @Argument(help: ArgumentHelp("JSONs of headflow run --format json, one curve each.", valueName: "RUN.json"))
    var inputs: [String]
    @OptionGroup var file: FigureFile
    var output: String { file.output }
    @Option(help: ArgumentHelp("Curve labels, comma-separated, in the order of the inputs (default: from each run's parameters).", valueName: "LABELS"))
    var labels: String?
    @Option(help: ArgumentHelp("Which rank: erank_f, rankme_f, erank_F, rankme_F.", valueName: "KEY"))
    var of: String = "erank_f"

    func run() throws {
        let keys = ["erank_f", "rankme_f", "erank_F", "rankme_F"]
        guard keys.contains(of) else { throw ParameterError("of", must: "one of " + keys.joined(separator: ", "), got: of).validation }
        guard !inputs.isEmpty else { throw ValidationError("give at least one RUN.json") }
        let names = labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let labels, let names, names.count != inputs.count || names.contains(where: \.isEmpty) {
            let n = inputs.count
            throw ParameterError("labels", must: "\(n) comma-separated non-empty label\(n == 1 ? "" : "s"), one per RUN.json",
                                 got: "\(names.count): \"\(labels)\"").validation
        }
        let (gnuplot, terminal) = try file.target()
        try gnuplot.draw {
            let runs = try inputs.map { ($0, try SweepStore.readJSON($0)) }
            return try GnuplotFigure.rank(runs: runs, labels: names, key: of,
                                          terminal: terminal, output: Gnuplot.absolute(output))
        }
    }
}

/// `-o FILE`, the figure every `plot` subcommand writes (any value is taken as the file name, so
/// `-o -1` is checked as a name, not read as a missing value).
struct FigureFile: ParsableArguments {
    @Option(name: .shortAndLong, parsing: .unconditional, help: ArgumentHelp("The figure: FILE.png or FILE.svg.", valueName: "FILE"))
    var output: String

    /// gnuplot (exit 69 when it is missing) and the terminal `output`'s extension names; a usage
    /// error otherwise, or when `output` cannot be written (`OutputPath.validateFile`, as `sweep --out`).
    func target() throws -> (Gnuplot, GnuplotTerminal) {
        let gnuplot = try Gnuplot.locate()
        let terminal = try gnuplot.terminal(for: output)
        do { try OutputPath.validateFile(output, option: "output") } catch { throw error.validation }
        return (gnuplot, terminal)
    }
}

/// Runs gnuplot on a figure in a temporary directory.
struct Gnuplot {
    let path: String

    /// Draws the figure `build` makes; an error building it (unreadable or malformed input) is a usage error.
    func draw(_ build: () throws -> GnuplotFigure) throws {
        let figure: GnuplotFigure
        do { figure = try build() } catch { throw ValidationError("\(error)") }
        try draw(figure)
    }

    /// Finds `gnuplot` on PATH; otherwise one line pointing at the setup script.
    static func locate() throws -> Gnuplot {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for d in dirs where FileManager.default.isExecutableFile(atPath: "\(d)/gnuplot") { return Gnuplot(path: "\(d)/gnuplot") }
        printError("headflow: gnuplot not found on PATH; run scripts/setup (installs Debian's gnuplot-nox)")
        throw ExitCode(69)  // EX_UNAVAILABLE
    }

    /// pngcairo (or png without cairo) for `.png`, svg for `.svg`.
    func terminal(for output: String) throws -> GnuplotTerminal {
        let lower = output.lowercased()
        if lower.hasSuffix(".svg") { return .svg }
        guard lower.hasSuffix(".png") else { throw ValidationError("--output must end in .png or .svg (got \(output))") }
        let (status, text) = run(["-e", "set terminal"], in: FileManager.default.temporaryDirectory.path)
        return status == 0 && text.contains("pngcairo") ? .pngcairo : .png
    }

    /// Writes the script and data into a fresh temporary directory and runs gnuplot there.
    func draw(_ figure: GnuplotFigure) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("headflow-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(figure.script.utf8).write(to: dir.appendingPathComponent("figure.gp"))
        for (name, contents) in figure.data { try Data(contents.utf8).write(to: dir.appendingPathComponent(name)) }
        let (status, text) = run(["figure.gp"], in: dir.path)
        guard status == 0 else {
            let first = text.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "exit \(status)"
            printError("headflow: gnuplot failed: \(first)")
            throw ExitCode.failure
        }
    }

    /// Runs gnuplot with `arguments` in `directory`; status and combined output.
    func run(_ arguments: [String], in directory: String) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `path` made absolute against the current directory.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
