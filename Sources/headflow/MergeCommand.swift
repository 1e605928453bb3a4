import ArgumentParser
import Foundation
import HeadFlow

/// `headflow merge`: join the shards (or partial runs) of one sweep.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shards of one sweep (--out directories or sweep JSON files) into one table.",
        discussion: """
        Every input must be the same sweep (same axes, base parameters and engine); a cell present in two inputs \
        must be identical. Cells in no input show as ? and are counted on stderr. With --out DIR the merged cells \
        are also written as one store, which headflow sweep --out DIR can resume.
        """)

    @Argument(help: ArgumentHelp("Sweep directories (--out) or sweep JSON files (--format json).", valueName: "DIR"))
    var inputs: [String] = []
    @Option(name: [.customLong("outcome"), .customLong("metric")], parsing: .unconditional, help: ArgumentHelp("What to tabulate (as in sweep).", valueName: "METRIC"))
    var outcome: String = "outcome"
    @Option(parsing: .unconditional, help: OutputFormat.help([.table, .csv, .json, .markdown]), completion: OutputFormat.completion([.table, .csv, .json, .markdown]))
    var format: String = "table"
    @Option(parsing: .unconditional, help: ArgumentHelp("Also write the merged cells as one sweep directory.", valueName: "DIR"))
    var out: String?
    @Flag(help: "As in sweep: no progress on stderr (merge shows none; accepted so a sweep's output options work here).")
    var quiet = false

    func run() throws {
        guard !inputs.isEmpty else { throw ValidationError("merge needs at least one DIR (a sweep --out directory or sweep JSON)") }
        let fmt: OutputFormat
        do {
            fmt = try OutputFormat.parse(format, allowed: [.table, .csv, .json, .markdown])
            if let out { try OutputPath.validate(out, option: "out") }
        } catch { throw error.validation }
        if inputs.contains(where: isBoundary) { return try mergeBoundaries(fmt) }
        let merged = try loadSweeps(inputs)
        let metric: SweepMetric
        do { metric = try merged.metric(outcome, option: metricOption) } catch { throw error.validation }
        if let out {
            do {
                let store = try SweepStore.open(out, manifest: merged.manifest)
                for c in merged.cells { try store.write(c, axes: merged.axes) }
            } catch { throw ValidationError("--out must be a writable directory for this sweep (\(error))") }
        }
        emit(SweepReport(merged, metric: metric), fmt)
        reportFailures(merged)
    }
}

extension MergeCommand {
    /// Joins the `--out` directories of one boundary search (its shards) and prints it as `boundary` does.
    func mergeBoundaries(_ fmt: OutputFormat) throws {
        guard outcome == "outcome" else { throw ValidationError("--outcome/--metric does not act in merging a boundary (its metric is the search's)") }
        let (search, merged) = try loadBoundaries(inputs)
        guard let search else { throw ValidationError("merge joins boundary --out directories (a boundary JSON is already whole)") }
        if let out {
            do {
                let store = try search.openStore(out)
                for l in merged.lines { try search.write(l, to: store) }
            } catch { throw ValidationError("--out must be a writable directory for this boundary search (\(error))") }
        }
        emit(BoundaryReport(merged), fmt)
        reportFailures(merged)
    }
}

/// Loads and merges sweep directories / JSON files; any problem is one line, exit 64.
func loadSweeps(_ paths: [String]) throws -> SweepResult {
    var parts: [(source: String, result: SweepResult)] = []
    do {
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw SweepFileError(p, "no such file or directory") }
            parts.append((p, try SweepResult.load(p, isDirectory: isDir.boolValue)))
        }
        return try SweepResult.merge(parts)
    } catch { throw ValidationError("\(error)") }
}
