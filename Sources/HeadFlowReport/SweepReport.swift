import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

/// Renders a sweep: the phase-transition table for the terminal, and tidy
/// CSV / JSON / markdown (one row per cell with every parameter). Every
/// output is a function of the cells alone — no timings — so the same sweep
/// gives the same bytes whatever `--jobs`, `--shard` + `merge`, or a resume.
public struct SweepReport: Sendable {
    /// The cells.
    public let result: SweepResult
    /// The tabulated metric.
    public let metric: SweepMetric

    /// A report of `result` by `metric`.
    public init(_ result: SweepResult, metric: SweepMetric) { self.result = result; self.metric = metric }

    /// The phase table.
    public var table: PhaseTable { PhaseTable(result, metric: metric) }

    // MARK: - Terminal

    /// Header, base parameters, the table (one per page), legend and failures.
    public func terminal() -> String {
        var out = header() + "\n"
        let t = table
        for page in t.pages {
            out += "\n"
            if !page.label.isEmpty { out += page.label.map { "\($0.name) = \($0.value.label)" }.joined(separator: ", ") + "\n" }
            out += grid(page, t).map { $0.joined(separator: "  ") }.map { trimRight($0) }.joined(separator: "\n") + "\n"
        }
        out += "\n" + legend(markdown: false) + "\n"
        out += failures()
        return out
    }

    /// `headflow sweep — METRIC · engine · cells`, then the base parameters wrapped at ~100 columns.
    func header() -> String {
        let failed = result.failed.count, missing = result.missing.count
        var counts = "\(result.expected.count) cell\(result.expected.count == 1 ? "" : "s")"
        if result.shard != nil { counts += " (shard \(result.shard!) of \(result.total))" }
        counts += ": \(result.cells.count - failed) finished"
        if failed > 0 { counts += ", \(failed) failed" }
        if missing > 0 { counts += ", \(missing) not run" }
        var what = metric == .outcome ? "outcome at t_end" : "\(metric)"
        if let s = result.seedAxis, metric.isNumeric {
            what += " (\(result.isImageSweep ? "mean ± sd" : "median") over \(result.axes[s].values.count) seeds)"
        }
        else if let s = result.seedAxis { what += " (counts over \(result.axes[s].values.count) seeds)" }
        var out = "headflow sweep — \(what) · \(result.engine["name"]?.stringValue ?? "?") · \(counts)\n"
        if let settings = result.engine.objectValue, settings.count > 1 {
            // An image sweep's files: by role and path (their SHA-256 are in the manifest and every cell).
            // An image sweep's record keeps the SGD engine's synthetic-only fields (sampler, rng): not shown.
            let idle = result.isImageSweep ? Set(RunParameter.all.filter { !$0.actsOnImages }.map(\.name)) : []
            out += "engine: " + settings.filter { $0.1 != .null && !idle.contains($0.0) }.map { kv in
                kv.0 == "files" ? "files=" + (kv.1.arrayValue ?? []).compactMap { $0["path"]?.stringValue }.joined(separator: ",")
                    : "\(kv.0)=\(Self.text(kv.1))"
            }.joined(separator: " ") + "\n"
        }
        out += "varied: " + result.axes.map { "\($0.parameter.name)=\($0.spec)" }.joined(separator: "  ") + "\n"
        return out + Self.baseLines(baseFields())
    }

    /// `base: name=value …` wrapped at ~100 columns (continuation lines indented under the first field).
    static func baseLines(_ fields: [(String, String)]) -> String {
        var line = "base:"
        var lines: [String] = []
        for (k, v) in fields {
            let item = " \(k)=\(v)"
            if line.count + item.count > 100 { lines.append(line); line = "     " }
            line += item
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// Base parameters as `name=value`, skipping the varied ones.
    func baseFields() -> [(String, String)] {
        var varied = Set(result.axes.map { $0.parameter.name.split(separator: "[").first.map(String.init) ?? $0.parameter.name })
        if varied.contains("eta-e-ratio") { varied.insert("eta-e") }  // set by the ratio in every cell
        // An image sweep shows only the base entries that act on images (not d, alpha, t-end, …; init-scale is per cell).
        let onImages = Set(RunParameter.onImages.map(\.name)).subtracting(["init-scale"])
        return (result.base.objectValue ?? [])
            .filter { !result.isImageSweep || onImages.contains($0.0) }
            .filter { $0.1 != .null && (!varied.contains($0.0) || ["alpha", "init-a", "init-b"].contains($0.0)) }
            .map { ($0.0, Self.text($0.1)) }
    }

    /// Rows of cells (first row: headers), padded to equal widths.
    func grid(_ page: PhaseTable.Page, _ t: PhaseTable) -> [[String]] {
        let corner = [t.rowAxis?.parameter.name, t.columnAxis?.parameter.name].compactMap { $0 }.joined(separator: " \\ ")
        let colLabels = t.columnAxis?.values.map(\.label) ?? [t.rowAxis == nil ? "all seeds" : "\(metric)"]
        let rowLabels = t.rowAxis?.values.map(\.label) ?? [""]
        var rows: [[String]] = [[corner.isEmpty ? "\(metric)" : corner] + colLabels]
        for (r, label) in rowLabels.enumerated() { rows.append([label] + page.entries[r].map { $0.text(metric: metric) }) }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in row.enumerated().map { c, s in c == 0 ? s.rightPadded(to: widths[c]) : s.leftPadded(to: widths[c], with: " ") } }
    }

    /// The symbols in use, one per line (markdown: one line).
    func legend(markdown: Bool) -> String {
        let code: (String) -> String = { markdown ? "`\($0)`" : $0 }
        let entries = table.entries
        var items: [String] = []
        if metric == .outcome {
            items = Outcome.allCases.filter { o in entries.contains { ($0.counts[o] ?? 0) > 0 } }
                .map { "\(code(String($0.symbol))) \($0.rawValue): \(Self.meaning($0))" }
            if result.seedAxis != nil { items.append("\(code("6D 2C")): 6 seeds diverse, 2 collapse (counts over seeds)") }
        } else {
            if entries.contains(where: { $0.finished > 0 && $0.numbers.isEmpty }) { items.append("\(code("—")) did not happen by t_end") }
            if entries.contains(where: { !$0.numbers.isEmpty && $0.numbers.count < $0.expected }) {
                items.append("\(code("x (n/N)")) median over the n of N seeds where it happened")
            }
        }
        if !result.failed.isEmpty { items.append("\(code("!")) integration failed (listed below)") }
        if entries.contains(where: { $0.present == 0 }) { items.append("\(code("?")) not run yet / another shard") }
        return markdown ? items.joined(separator: " · ") : items.map { "  " + $0 }.joined(separator: "\n")
    }

    /// What an outcome symbol means, in words.
    static func meaning(_ o: Outcome) -> String {
        switch o {
        case .diverse: return "each feature learned by a different neuron"
        case .collapse: return "all neurons on v_1"
        case .partial: return "v_1 learned, some feature not, every neuron on a feature"
        case .weakOnly: return "neurons on features, none on v_1"
        case .undecided: return "some neuron on no feature by t_end"
        }
    }

    /// One line per failed cell (at most 10) and per missing count.
    func failures() -> String {
        var out = ""
        let failed = result.failed
        if !failed.isEmpty {
            out += "\n\(failed.count) cell\(failed.count == 1 ? "" : "s") failed (recorded with the time reached, never as a result):\n"
            for c in failed.prefix(10) {
                let values = zip(result.axes, c.values).map { "\($0.parameter.name)=\($1)" }.joined(separator: ", ")
                if case .failed(let t, let msg) = c.status {
                    out += "  cell \(c.index) (\(values)) at t = \(NumberFormat.short(t)): \(msg)\n"
                }
            }
            if failed.count > 10 { out += "  … and \(failed.count - 10) more (see --format csv)\n" }
        }
        let missing = result.missing.count
        if missing > 0 { out += "\n\(missing) cell\(missing == 1 ? "" : "s") not run yet (resume with the same --out, or merge the other shards).\n" }
        return out
    }

    func trimRight(_ s: String) -> String {
        var t = s
        while t.last == " " { t.removeLast() }
        return t
    }

    /// A JSON parameter value as compact text (`1.5,1`, `a11,a12;a21,a22`).
    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        case .array(let xs): return xs.map(text).joined(separator: xs.first?.arrayValue != nil ? ";" : ",")
        case .object(let kv): return kv.map { "\($0.0)=\(text($0.1))" }.joined(separator: " ")
        default: return v.rendered()
        }
    }
}
