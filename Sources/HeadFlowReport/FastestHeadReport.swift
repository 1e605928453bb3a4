import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

/// Renders a `FastestHeadTable`: one row per cell with the fastest head rate
/// `η_E*/η`, its time `T*`, the times at the paper's default `η_E/η = 0.01` and
/// without a head, and the speed-ups `T_ref/T*` — for the terminal, markdown,
/// CSV and JSON (every parameter recorded). A time that is not reached by
/// `t_end` is `never` (`T = +∞`): `null` in JSON, `inf` in CSV; an infinite
/// speed-up is `∞` (`inf`), an undefined one (no optimum time) `—` (empty in CSV,
/// `null` in JSON). Never NaN. The output is a function of the table alone.
public struct FastestHeadReport: Sendable {
    /// The rows.
    public let table: FastestHeadTable

    /// A report of `table`.
    public init(_ table: FastestHeadTable) { self.table = table }

    /// The search's settings.
    var search: FastestHeadSearch { table.search }

    // MARK: - Terminal

    /// Header, the table, the legend, a single cell's scan, and the failures.
    public func terminal() -> String {
        var out = header() + "\n\n"
        out += aligned(cells(markdown: false)).joined(separator: "\n") + "\n\n"
        out += legend().flatMap { TerminalText.wrapped($0, width: 98, indent: 2).map { "  " + $0 } }.joined(separator: "\n") + "\n"
        if table.rows.count == 1 { out += "\n" + scanLines(table.rows[0].result).joined(separator: "\n") + "\n" }
        out += notes().map { "\n" + $0 }.joined() + (notes().isEmpty ? "" : "\n")
        return out
    }

    /// `headflow fastest-head — …`, the search, the varied axes and the base (wrapped at ~100 columns).
    func header() -> String {
        var out = "headflow fastest-head — the η_E/η at which \(search.event) fires soonest, by t_end = "
            + "\(NumberFormat.short(table.base.tEnd)) · \(table.rows.count) cell\(table.rows.count == 1 ? "" : "s")\n"
        out += "search: " + searchText + "\n"
        if !table.axes.isEmpty { out += "varied: " + table.axes.map { "\($0.parameter.name)=\($0.spec)" }.joined(separator: "  ") + "\n" }
        return out + SweepReport.baseLines(baseFields())
    }

    /// How the search runs, in words.
    var searchText: String {
        "ln(η_E/η) over [\(search.lower), \(search.upper)]: \(search.scanPoints)-point scan, then Brent "
            + "(GSL gsl_min_fminimizer_brent) to \(SweepValue.compact(100 * search.relativePrecision))% in η_E/η"
    }

    /// The base's parameters as `name=value`, without `eta-e` (searched) and the varied ones.
    func baseFields() -> [(String, String)] {
        let varied = Set(table.axes.map { $0.parameter.name.split(separator: "[").first.map(String.init) ?? $0.parameter.name })
        return (table.base.json.objectValue ?? [])
            .filter { $0.1 != .null && $0.0 != "eta-e" && (!varied.contains($0.0) || ["alpha", "init-a", "init-b"].contains($0.0)) }
            .map { ($0.0, SweepReport.text($0.1)) }
    }

    /// The column headers and one row of texts per cell.
    func cells(markdown: Bool) -> [[String]] {
        let ref = SweepValue.compact(FastestHeadSearch.paperRatio)
        let head = table.axes.map(\.parameter.name) + (markdown
            ? ["η_E*/η", "T*", "T at η_E/η = \(ref)", "speed-up vs \(ref)", "T without head", "speed-up vs no head", "optimum"]
            : ["η_E*/η", "T*", "T(\(ref))", "×\(ref)", "T(no head)", "×no head", "runs", "optimum"])
        var rows = [head]
        for row in table.rows {
            let r = row.result
            let known = !r.isFailed  // a failed search's missing times are unknown, not never
            var line = row.values.map(\.label)
            line += [r.optimum.map { SweepValue.compact($0.ratio) } ?? "—", Self.time(r.optimum?.time, defined: r.verdict == .never),
                     Self.time(r.paperDefault.time, defined: known), Self.speedup(r.speedupOverPaperDefault),
                     Self.time(r.noHeadTime, defined: known), Self.speedup(r.speedupOverNoHead)]
            if !markdown { line.append("\(r.runs)") }
            line.append(Self.verdictLabel(r.verdict))
            rows.append(line)
        }
        return rows
    }

    /// Rows padded to equal widths (the first and the last column left-aligned, numbers right), trailing spaces trimmed.
    func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { c in rows.map { TerminalText.columns($0[c]) }.max()! }
        let last = rows[0].count - 1
        return rows.map { row in
            var s = row.enumerated().map { c, x in
                c == 0 || c == last ? x.rightPadded(to: widths[c]) : x.leftPadded(to: widths[c], with: " ")
            }.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// The symbols and verdicts in use, one per line.
    func legend() -> [String] {
        var lines = ["T: time of \(search.event); never: not by t_end (T = +∞); η_E*/η: the fastest head rate found; "
                     + "×: speed-up T_ref/T* (∞: the reference never fires, —: undefined, no optimum)"]
        let verdicts = table.rows.map(\.result.verdict)
        if verdicts.contains(.interior) { lines.append("interior: a minimum inside the range, located by Brent (bracket in --format json/csv)") }
        for end in [FastestHead.End.lower, .upper] where verdicts.contains(.monotone(end)) {
            lines.append("\(Self.verdictLabel(.monotone(end))) — \(FastestHead.Verdict.monotone(end).text(search)); η_E*/η is that end")
        }
        if verdicts.contains(.never) { lines.append("never: \(search.event) fires at no scanned rate by t_end") }
        if table.rows.contains(where: { $0.result.noHeadTime == nil && $0.result.optimum?.time != nil }) {
            lines.append("T(no head) never: without the head \(search.event) does not happen by t_end, so the speed-up is infinite")
        }
        return lines
    }

    /// A single cell's scan: `η_E/η` and `T` in two aligned lines, then Brent's bracket.
    func scanLines(_ r: FastestHead) -> [String] {
        let xs = ["scan  η_E/η"] + r.scan.map { SweepValue.compact($0.ratio) }
        let ts = ["      T"] + r.scan.map { Self.time($0.time, defined: !r.isFailed) }
        let widths = zip(xs, ts).map { max(TerminalText.columns($0), TerminalText.columns($1)) }
        func line(_ texts: [String]) -> String {
            texts.enumerated().map { $0 == 0 ? $1.rightPadded(to: widths[$0]) : $1.leftPadded(to: widths[$0], with: " ") }.joined(separator: "  ")
        }
        var out = [line(xs), line(ts)]
        if let b = r.bracket {
            out.append("Brent: η_E*/η in [\(NumberFormat.short(b.lower)), \(NumberFormat.short(b.upper))] after \(r.iterations) iterations; "
                       + "\(r.runs) flows solved in all")
        }
        return out
    }

    /// One line per failed cell.
    func notes() -> [String] {
        table.rows.compactMap { row in
            guard case .failed = row.result.verdict else { return nil }
            let at = zip(table.axes, row.values).map { "\($0.parameter.name)=\($1)" }.joined(separator: ", ")
            return (at.isEmpty ? "" : "cell \(at): ") + row.result.verdict.text(search)
        }
    }

    // MARK: - Markdown

    /// The table as markdown, with the search and the fixed parameters above it and the legend below.
    public var markdown: String {
        var out = "**headflow fastest-head** — the η_E/η at which `\(search.event)` fires soonest, by `t_end = "
            + "\(NumberFormat.short(table.base.tEnd))`; search: \(searchText)\n\n"
        out += "Fixed: " + baseFields().map { "`\($0.0)=\($0.1)`" }.joined(separator: " ") + "\n\n"
        let rows = cells(markdown: true)
        out += "| " + rows[0].joined(separator: " | ") + " |\n"
        out += "|" + rows[0].map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in rows.dropFirst() { out += "| " + r.joined(separator: " | ") + " |\n" }
        out += "\n" + legend().joined(separator: " · ") + "\n"
        for n in notes() { out += "\n" + n + "\n" }
        return out
    }

    // MARK: - Texts of values

    /// A time: `never` when nil and defined (the event did not fire), `—` when there is none to report.
    static func time(_ t: Double?, defined: Bool = true) -> String {
        if let t { return NumberFormat.short(t) }
        return defined ? "never" : "—"
    }

    /// A speed-up: `1.907`, `∞` or `—`.
    static func speedup(_ s: FastestHead.Speedup) -> String {
        switch s {
        case .finite(let x): return NumberFormat.short(x)
        case .infinite: return "∞"
        case .undefined: return "—"
        }
    }

    /// The verdict's label in the table.
    static func verdictLabel(_ v: FastestHead.Verdict) -> String {
        switch v {
        case .interior: return "interior"
        case .monotone(.upper): return "none: falls toward HI"
        case .monotone(.lower): return "none: falls toward LO"
        case .never: return "never"
        case .failed: return "failed (below)"
        }
    }
}
