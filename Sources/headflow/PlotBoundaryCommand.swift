import ArgumentParser
import HeadFlow

/// `headflow plot boundary BOUNDARY.json -o FILE`.
struct PlotBoundaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boundary",
        abstract: "A boundary's switches (η_E* …) against the varied parameter, log axes, the brackets as error bars (from headflow boundary).")

    @Argument(help: ArgumentHelp("The JSON of headflow boundary --format json, or its --out directories.", valueName: "BOUNDARY.json"))
    var inputs: [String] = []
    @OptionGroup var file: FigureFile
    var output: String { file.output }
    @Option(parsing: .unconditional, help: ArgumentHelp("The varied parameter on the x axis (default: the only numeric one).", valueName: "NAME"))
    var x: String?

    func run() throws {
        guard !inputs.isEmpty else { throw ValidationError("give a BOUNDARY.json (headflow boundary --format json) or its --out directories") }
        let (gnuplot, terminal) = try file.target()
        let (_, result) = try loadBoundaries(inputs)
        try gnuplot.draw {
            try GnuplotFigure.boundary(result, x: x, source: inputs[0], terminal: terminal, output: Gnuplot.absolute(output))
        }
    }
}
