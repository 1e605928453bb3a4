import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

/// Renders a boundary search (`headflow boundary`): one row per switch `[low, high]` with the sides evaluated at both
/// ends, for the terminal, CSV, Markdown and JSON (a list with one object per line: `values`, `parameters` — every
/// run parameter —, `along`, `switches`, `unresolved`, `failures`, `runs`, `points`). A function of the lines alone,
/// so the same search gives the same bytes whatever `--jobs`, `--shard` + `merge`, or a resume.
public struct BoundaryReport: Sendable {
    /// The lines.
    public let result: BoundaryResult

    /// A report of `result`.
    public init(_ result: BoundaryResult) { self.result = result }

    /// The `along` object of the search.
    var along: JSONValue { result.manifest["along"] ?? .null }

    /// The list of line objects.
    public var json: JSONValue { .array(result.lines.map { $0.json(axes: result.axes, along: along) }) }

    /// `η_E/η ∈ [lo, hi] (log, 9 scan points, to 0.5%)` and what changes.
    func what() -> String {
        let name = along["name"]?.stringValue ?? "?"
        let b = (along["between"]?.arrayValue ?? []).map { SweepReport.text($0) }.joined(separator: ", ")
        let rel = along["rel_precision"]?.doubleValue.map { SweepValue.compact($0 * 100) + "%" } ?? "?"
        let metric = along["metric"]?.stringValue ?? "outcome"
        let change = metric == "outcome" ? "outcome changes" : "\(metric) crosses \(along["level"].map(SweepReport.text) ?? "?")"
        return "\(change) along \(name) in [\(b)] (\(along["scale"]?.stringValue ?? "?"), \(along["scan"].map(SweepReport.text) ?? "?") scan points, to \(rel))"
    }

    /// One row per switch (a line without one: a row saying so): the line's values, then `low, high, below, above,
    /// width (relative), runs`.
    func rows() -> [[String]] {
        var rows: [[String]] = []
        for l in result.lines {
            let values = l.values.map(\.label)
            let runs = "\(l.result.points.count)"
            for s in l.switches {
                var width = SweepValue.compact(100 * (s.high - s.low) / max(abs(s.low), abs(s.high))) + "%"
                if let why = s.limit { width += " (\(why.rawValue))" }
                rows.append(values + [Self.number(s.low), Self.number(s.high), s.below.description, s.above.description, width, runs])
            }
            for u in l.result.unresolved {
                rows.append(values + [Self.number(u.low), Self.number(u.high), u.below.description, u.above.description,
                                      "unresolved: failed at \(Self.number(u.failedAt))", runs])
            }
            if l.switches.isEmpty && l.result.unresolved.isEmpty {
                let sides = Set(l.result.points.compactMap { p -> String? in if case .result(let s, _) = p.probe { return s.description }; return nil })
                let text = l.result.failures.isEmpty ? "no switch" + (sides.count == 1 ? " (\(sides.first!) throughout)" : "") : "no switch located (failures)"
                rows.append(values + ["—", "—", "", "", text, runs])
            }
        }
        return rows
    }

    /// The column names.
    func headers() -> [String] {
        result.axes.map(\.parameter.name) + ["low", "high", "below", "above", "width", "runs"]
    }

    /// Header, base parameters, the table, failures.
    public func terminal() -> String {
        var out = header() + "\n\n"
        let table = [headers()] + rows()
        let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max()! }
        for row in table {
            var line = row.enumerated().map { c, s in s.rightPadded(to: widths[c]) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        out += "\n  low, high: both ends solved by the flow (never interpolated); below/above: the "
            + (along["metric"]?.stringValue == "outcome" ? "outcome (D diverse, C collapse, p partial, w weak-only, . undecided)" : "metric")
            + " there\n"
        return out + failures()
    }

    /// `headflow boundary — …`, the varied axes and the base parameters (as `sweep` prints them).
    func header() -> String {
        let missing = result.missing.count
        var counts = "\(result.expected.count) line\(result.expected.count == 1 ? "" : "s")"
        if let s = result.shard { counts += " (shard \(s) of \(result.total))" }
        counts += ": \(result.lines.count) searched"
        if missing > 0 { counts += ", \(missing) not run" }
        var out = "headflow boundary — \(what()) · \(result.engine["name"]?.stringValue ?? "?") · \(counts)\n"
        if !result.axes.isEmpty { out += "varied: " + result.axes.map { "\($0.parameter.name)=\($0.spec)" }.joined(separator: "  ") + "\n" }
        if let sweep = result.manifest["sweep"], let axes = try? SweepResult(manifest: sweep, cells: [], source: "").axes {
            let lines = SweepReport(SweepResult(manifest: sweep, axes: axes, cells: []), metric: .outcome).header().split(separator: "\n")
            out += lines.drop { !$0.hasPrefix("base:") }.joined(separator: "\n")
        }
        return out
    }

    /// One line per failed point (at most 10 per search) and the count of lines not run.
    func failures() -> String {
        var out = ""
        let failed = result.lines.flatMap { l in l.result.failures.map { (l, $0) } }
        if !failed.isEmpty {
            out += "\n\(failed.count) point\(failed.count == 1 ? "" : "s") failed (never a side of a switch):\n"
            for (l, f) in failed.prefix(10) {
                let values = zip(result.axes, l.values).map { "\($0.parameter.name)=\($1)" }.joined(separator: ", ")
                out += "  line \(l.index)\(values.isEmpty ? "" : " (\(values))") at \(along["name"]?.stringValue ?? "x") = \(Self.number(f.x)): \(f.message)\n"
            }
            if failed.count > 10 { out += "  … and \(failed.count - 10) more (see --format json)\n" }
        }
        let missing = result.missing.count
        if missing > 0 { out += "\n\(missing) line\(missing == 1 ? "" : "s") not run yet (resume with the same --out, or merge the other shards).\n" }
        return out
    }

    /// One row per switch (or line without one): `index`, the values, `low, high, below, above, width, runs`, then
    /// every run parameter of the line.
    public var csv: String {
        let params = (result.lines.first?.parameters.objectValue ?? []).map(\.0)
        var lines = [(["index"] + headers() + params).map(SweepReport.quote).joined(separator: ",")]
        let rows = rows()
        var r = 0
        for l in result.lines {
            let n = max(1, l.switches.count + l.result.unresolved.count)
            let extra = params.map { l.parameters[$0].map(SweepReport.cellText) ?? "" }
            for _ in 0..<n {
                lines.append((["\(l.index)"] + rows[r] + extra).map(SweepReport.quote).joined(separator: ","))
                r += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table as Markdown, with the search and the fixed parameters above it.
    public var markdown: String {
        var out = "**headflow boundary** — \(what()) · engine \(result.engine["name"]?.stringValue ?? "?") · \(result.expected.count) lines\n\n"
        if !result.axes.isEmpty { out += "Varied: " + result.axes.map { "`\($0.parameter.name)=\($0.spec)`" }.joined(separator: ", ") + "\n\n" }
        out += "| " + headers().joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: headers().count) + "\n"
        for row in rows() { out += "| " + row.map { $0.replacingAll("|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        return out + failures()
    }

    /// `x` with 5 significant digits (enough to tell the ends of a 0.1% bracket apart), scientific outside `[1e-4, 1e6)`.
    static func number(_ x: Double) -> String {
        guard x.isFinite, x != 0 else { return NumberFormat.short(x) }
        let a = abs(x)
        guard a >= 1e-4, a < 1e6 else { return "\(x)" }
        return SweepValue.compact(x) == "\(x)" ? "\(x)" : trimmed(NumberFormat.fixed(x, digits: max(0, 4 - Int(a.exponentBase10))))
    }

    /// A decimal without trailing zeros.
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.last == "0" { t.removeLast() }
        if t.last == "." { t.removeLast() }
        return t
    }
}
