import ArgumentParser
import Foundation
import HeadFlow

/// `headflow features`: distinct features learned vs k and head.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Distinct features learned, for k features × head variants, mean over random starts (the cascade beyond the paper).",
        discussion: """
        Each cell runs the population flow from the same random starts (seeds 1…N) with k features of \
        decreasing strength (the first k of --alpha) and m = k neurons (or --neurons), and counts the features \
        some neuron has learned (|cos| ≥ 0.9) at --t-end. Without the head, collapse onto v_1 dominates; with the \
        offdiag head the substitution cascade lets more features be learned.
        """)

    @Option(parsing: .unconditional, help: "Feature counts k (rows), comma-separated.")
    var ks: String = "2,3,4"
    @Option(parsing: .unconditional, help: "Head variants (columns), comma-separated: \(HeadKind.choiceList).")
    var heads: String = "none,offdiag,full"
    @Option(parsing: .unconditional, help: "Magnitudes α_1 > α_2 ≥ …; k features use the first k.")
    var alpha: String = "1.5,1.0,0.8,0.7"
    @Option(parsing: .unconditional, help: "Neurons m per run (default: m = k).")
    var neurons: Int?
    @Option(parsing: .unconditional, help: "Random starts per cell (seeds 1…N).")
    var seeds: Int = 20
    // Run parameters, through the parameter table (its validation and error texts); features' own defaults
    // (η_E = 0.03, t_end = 2·10⁵: the cascade needs longer than the paper's setting) are FeatureCountTable.base's.
    @Option(name: .customLong("d"), parsing: .unconditional, help: Self.help("d")) var d: String?
    @Option(name: .customLong("eta-e"), parsing: .unconditional, help: Self.help("eta-e")) var etaE: String?
    @Option(name: .customLong("t-end"), parsing: .unconditional, help: Self.help("t-end")) var tEnd: String?
    @Option(parsing: .unconditional, help: RunOptions.help("target")) var target: String?
    @Option(name: .customLong("ema-tau"), parsing: .unconditional, help: RunOptions.help("ema-tau")) var emaTau: String?
    @Option(name: .customLong("stop-grad"), parsing: .unconditional, help: RunOptions.help("stop-grad")) var stopGrad: String?
    @Option(name: .customLong("dp-eps"), parsing: .unconditional, help: RunOptions.help("dp-eps")) var dpEps: String?
    @Option(name: .customLong("dp-source"), parsing: .unconditional, help: RunOptions.help("dp-source")) var dpSource: String?
    @Option(parsing: .unconditional, help: "Threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .markdown, .csv, .json]), completion: OutputFormat.completion([.table, .markdown, .csv, .json]))
    var format: String = "table"
    @Flag(help: "No progress on stderr (by default a bar appears once the runs take over a second).")
    var quiet = false

    func run() throws {
        var table = FeatureCountTable()
        let fmt: OutputFormat
        do {
            fmt = try OutputFormat.parse(format, allowed: [.table, .markdown, .csv, .json])
            table.featureCounts = try MatrixText.parseList(ks, parameter: "ks", what: "a list of feature counts k ≥ 1").map { v throws(ParameterError) in
                guard let k = CheckedArithmetic.integer(v), k >= 1 else { throw ParameterError("ks", must: "integers ≥ 1", got: ks) }
                return k
            }
            table.heads = try heads.split(separator: ",").map { h throws(ParameterError) in
                guard let kind = HeadKind(rawValue: String(h)) else {
                    throw ParameterError("heads", must: "a list of " + HeadKind.allCases.map(\.rawValue).joined(separator: ", "), got: heads)
                }
                return kind
            }
            table.alpha = try MatrixText.parseList(alpha, parameter: "alpha")
            if let n = neurons { try requireAtLeastOne(n, "neurons") }
            table.neurons = neurons
            try FeatureCountTable.checkSize(features: table.featureCounts.count, heads: table.heads.count, seeds: seeds)
            try requireAtLeastOne(jobs, "jobs")
            table.seeds = (1...seeds).map(UInt64.init)
            // The neighbouring mechanisms, through their parameter-table entries; one given must act in some cell.
            var given: [RunParameter] = []
            for (name, text) in [("d", d), ("eta-e", etaE), ("t-end", tEnd), ("target", target), ("ema-tau", emaTau), ("stop-grad", stopGrad), ("dp-eps", dpEps),
                                 ("dp-source", dpSource)] {
                guard let text, let p = RunParameter.named(name) else { continue }
                try p.assign(text: text, to: &table.base)
                given.append(p)
            }
            try table.base.validate()
            try table.validate()
            let cells = table.heads.map { table.spec(features: table.featureCounts[0], head: $0, seed: 1) }
            for p in given { try p.checkActs(inSomeOf: cells.count, engine: .population) { cells[$0] } }
        } catch { throw error.validation }
        let bar = ProgressBar("features", unit: "runs", total: table.featureCounts.count * table.heads.count * table.seeds.count,
                              enabled: !quiet, after: .seconds(1))
        let lock = NSLock()
        let cells = try table.compute(jobs: jobs) { _, _ in lock.withLock { bar.tick() } }
        bar.finish()
        let failures = cells.flatMap(\.failures)
        let runs = cells.reduce(0) { $0 + $1.counts.count }
        if let empty = cells.first(where: { $0.counts.allSatisfy { $0 == nil } }) {
            // A cell with no successful run has no result: nothing on stdout.
            printError("headflow: every run of k = \(empty.features), head \(empty.head.rawValue) failed (\(failures.count) of \(runs) runs in all); first: \(failures[0])")
            throw ExitCode.failure
        }
        let report = FeatureCountReport(table: table, cells: cells)
        switch fmt {
        case .json: print(report.json.rendered(pretty: true))
        case .csv: print(report.csv, terminator: "")
        case .markdown: print(report.grid(markdown: true), terminator: "")
        default: print(report.grid(markdown: false), terminator: "")
        }
        if !failures.isEmpty {
            printError("headflow: \(failures.count) of \(runs) runs failed (marked in the table, left out of the means); first: \(failures[0])")
        }
    }

    /// The table's help for `name`, with this command's default (`FeatureCountTable.base`).
    private static func help(_ name: String) -> ArgumentHelp {
        let p = RunParameter.named(name)!
        return ArgumentHelp(p.help + " (default: \(p.json(FeatureCountTable().base).rendered(pretty: false)))", valueName: p.valueName)
    }

    private func requireAtLeastOne(_ n: Int, _ name: String) throws(ParameterError) {
        guard n >= 1 else { throw ParameterError(name, must: "an integer ≥ 1", got: "\(n)") }
    }
}
