import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

// MARK: - Tidy outputs: one row (record) per cell, every parameter

extension SweepReport {
    /// `{sweep, metric, shard, counts, cells, groups}`: `sweep` is the manifest
    /// (engine, axes, base parameters), each cell carries its full parameters
    /// and start; `groups` (only when the seed is varied) aggregates the seeds
    /// at each point into outcome counts and fractions and the metric's median.
    public var json: JSONValue {
        var kv: [(String, JSONValue)] = [
            ("sweep", result.manifest),
            ("metric", .string("\(metric)")),
            ("shard", result.shard.map { .string($0.description) } ?? .null),
            ("counts", .object([
                ("cells", .integer(result.expected.count)), ("finished", .integer(result.cells.count - result.failed.count)),
                ("failed", .integer(result.failed.count)), ("missing", .integer(result.missing.count)),
            ])),
            ("cells", .array(result.cells.map { [grid = Fingerprint.of(result.manifest)] in $0.json(axes: result.axes, grid: grid) })),
        ]
        if result.seedAxis != nil {
            kv.append(("groups", .array(table.entries.map { e in
                .object([
                    ("values", .object(e.values.map { ($0.name, $0.value.json) })),
                    ("seeds", .integer(e.expected)), ("present", .integer(e.present)), ("failed", .integer(e.failed)),
                    ("counts", .object(Outcome.allCases.map { ($0.rawValue, .integer(e.counts[$0] ?? 0)) })),
                    ("fractions", .object(Outcome.allCases.map { o in
                        (o.rawValue, .number(e.present > 0 ? Double(e.counts[o] ?? 0) / Double(e.present) : nil))
                    })),
                    ("metric_median", .number(metric.isNumeric ? e.median : nil)),
                    ("metric_present", .integer(e.numbers.count)),
                ])
            })))
        }
        return .object(kv)
    }

    /// Columns: `index`, the varied values, every other parameter (by CLI name; the
    /// start as `start-A`, `start-B`, `start-E`), then `status, t_reached,
    /// outcome, features_learned, final_loss, t_learn`, each event, each head
    /// peak, the final metrics (`erank_f`, …, `head_deviation`), `steps`, `failure`. Matrices as `a11 a12;a21 a22`.
    public var csv: String {
        let cols = columns()
        var lines = [cols.map(Self.quote).joined(separator: ",")]
        for c in result.cells {
            let row = record(c)
            lines.append(cols.map { Self.quote(row[$0] ?? "") }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The phase table(s) as markdown tables with the legend, then the tidy
    /// table (varied values and results per cell; the fixed parameters once above).
    public var markdown: String {
        var out = "**headflow sweep** — `\(metric)` · engine \(result.engine["name"]?.stringValue ?? "?") · "
        out += "\(result.expected.count) cells\n\n"
        out += "Varied: " + result.axes.map { "`\($0.parameter.name)=\($0.spec)`" }.joined(separator: ", ") + "\n\n"
        out += "Fixed: " + baseFields().map { "`\($0.0)=\($0.1)`" }.joined(separator: " ") + "\n\n"
        let t = table
        for page in t.pages {
            if !page.label.isEmpty { out += "*" + page.label.map { "\($0.name) = \($0.value.label)" }.joined(separator: ", ") + "*\n\n" }
            let rows = grid(page, t)
            out += "| " + rows[0].map { $0.trimmingTrailingSpaces }.joined(separator: " | ") + " |\n"
            out += "|" + rows[0].map { _ in "---|" }.joined() + "\n"
            for r in rows.dropFirst() { out += "| " + r.map { $0.trimmingLeadingSpaces.trimmingTrailingSpaces }.joined(separator: " | ") + " |\n" }
            out += "\n"
        }
        out += legend(markdown: true) + "\n\n"
        var cols = ["index"] + result.axes.map(\.parameter.name) + ["status", "t_reached", "outcome", "features_learned", "final_loss", "t_learn"]
        if metric.isNumeric, !cols.contains("\(metric)") { cols.append("\(metric)") }
        out += "| " + cols.joined(separator: " | ") + " |\n|" + cols.map { _ in "---|" }.joined() + "\n"
        for c in result.cells {
            let row = record(c)
            out += "| " + cols.map { row[$0].map(Self.shortNumber) ?? "" }.joined(separator: " | ") + " |\n"
        }
        return out
    }

    // MARK: - Records

    /// The CSV columns, in a fixed order (parameters and events as first seen).
    func columns() -> [String] {
        let varied = result.axes.map(\.parameter.name)
        var cols = ["index"] + varied
        var params: [String] = [], events: [String] = [], peaks: [String] = [], finals: [String] = []
        func add(_ name: String, to list: inout [String]) { if !list.contains(name) { list.append(name) } }
        for c in result.cells {
            for (k, v) in c.parameters.objectValue ?? [] {
                if let sub = v.objectValue { for (s, _) in sub { add("\(k)-\(s)", to: &params) } }
                else if !varied.contains(k) { add(k, to: &params) }  // a varied one is already a column
            }
            for e in c.events { add(e.name, to: &events) }
            for p in c.peaks { add(p.name, to: &peaks) }
            for f in c.finalMetrics { add(f.name, to: &finals) }
        }
        cols += params + ["status", "t_reached", "outcome", "features_learned", "final_loss", "t_learn"] + events + peaks + finals
        return cols + ["steps", "failure"]
    }

    /// One cell as column → text.
    func record(_ c: CellResult) -> [String: String] {
        var row: [String: String] = ["index": "\(c.index)"]
        for (axis, v) in zip(result.axes, c.values) { row[axis.parameter.name] = v.description }
        for (k, v) in c.parameters.objectValue ?? [] {
            if let sub = v.objectValue { for (s, x) in sub { row["\(k)-\(s)"] = Self.cellText(x) } } else { row[k] = Self.cellText(v) }
        }
        row["status"] = c.status.name
        row["t_reached"] = "\(c.timeReached)"
        row["outcome"] = c.outcome?.rawValue ?? ""
        row["features_learned"] = c.featuresLearned.map { "\($0)" } ?? ""
        row["final_loss"] = c.finalLoss.map { "\($0)" } ?? ""
        row["t_learn"] = c.weakLearnTime.map { "\($0)" } ?? ""
        for e in c.events { row[e.name] = e.time.map { "\($0)" } ?? "" }
        for p in c.peaks { row[p.name] = "\(p.value)" }
        for f in c.finalMetrics { row[f.name] = "\(f.value)" }
        row["steps"] = "\(c.steps)"
        if case .failed(_, let msg) = c.status { row["failure"] = msg }
        return row
    }

    /// A parameter value for a CSV cell: numbers exact, lists space-separated, matrix rows by `;`.
    static func cellText(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        case .array(let xs):
            if xs.first?.arrayValue != nil { return xs.map(cellText).joined(separator: ";") }
            return xs.map(cellText).joined(separator: " ")
        default: return v.rendered()
        }
    }

    /// Integers as they are, other numbers to 4 significant digits, text unchanged.
    static func shortNumber(_ text: String) -> String {
        if Int(text) != nil { return text }
        return Double(text).map(SweepValue.compact) ?? text
    }

    /// RFC 4180 quoting when needed.
    static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == ";" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    var trimmingTrailingSpaces: String { var s = self; while s.last == " " { s.removeLast() }; return s }
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}
