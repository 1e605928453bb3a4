import HeadFlowNumerics
import HeadFlowClaims

/// Renders claim verdicts: the short terminal table of `headflow reproduce`
/// (one row per claim: id, the numbers that decide it, PASS/FAIL; at most 100
/// columns), the wide table and the Markdown table (id, every measured number,
/// threshold, PASS/FAIL), and its JSON (an array of objects with `id`,
/// `statement`, `passed`, `measured`, `parameters`, …).
public struct ClaimReport {
    /// The verdicts, in the order they were run.
    public let verdicts: [ClaimVerdict]

    /// A report of `verdicts`.
    public init(verdicts: [ClaimVerdict]) { self.verdicts = verdicts }

    /// True when every claim run at its preset passed and every negative
    /// control failed (`reproduce` exits 1 otherwise).
    public var allPassed: Bool { verdicts.allSatisfy { $0.control == nil ? $0.passed : !$0.passed } }

    // MARK: - Cells

    /// `name=value, …` with about 4 significant digits; `—` for a value that could not be measured.
    public static func measuredCell(_ v: ClaimVerdict) -> String {
        v.measured.map { "\($0.name)=\(number($0.value))" }.joined(separator: ", ")
    }

    /// A measured number: `—` when not finite (NaN or ±∞: no number was measured,
    /// which the JSON writes as `null`), an integer as such, else about 4 significant digits.
    public static func number(_ x: Double) -> String {
        if !x.isFinite { return "—" }
        if x == x.rounded(), abs(x) < 1e5 { return "\(Int(x))" }
        return NumberFormat.short(x)
    }

    /// The criteria, `; `-separated.
    public static func thresholdCell(_ v: ClaimVerdict) -> String {
        v.results.map { $0.criterion.description }.joined(separator: "; ")
    }

    /// `PASS` or `FAIL`.
    public static func verdictCell(_ v: ClaimVerdict) -> String { v.passed ? "PASS" : "FAIL" }

    /// The quantities shown in the short table: a failed claim's first failed
    /// criterion first (what decided it), then the claim's headline; at most two.
    public static func deciding(_ v: ClaimVerdict) -> [String] {
        var names: [String] = []
        let failed = v.results.first { !$0.holds }?.criterion.quantities ?? []
        for n in failed + v.headline where !names.contains(n) { names.append(n) }
        return Array(names.prefix(2))
    }

    /// `name=value, name=value` for the deciding quantities; the second is left
    /// out when both would not fit in `width` columns (the first is cut with `…`).
    public static func decidingCell(_ v: ClaimVerdict, width: Int = .max) -> String {
        let items = deciding(v).map { name in "\(name)=\(number(v.measured.first { $0.name == name }?.value ?? .nan))" }
        let both = items.joined(separator: ", ")
        return both.count <= width ? both : TerminalText.truncated(items.first ?? "", to: width)
    }

    // MARK: - Table

    /// The default table: one row per claim with the numbers that decide it and
    /// the verdict, then the notes and failures, then the summary; every line at
    /// most `width` columns (a long cell ends in `…`, notes wrap).
    public func table(width: Int = 100) -> String {
        let header = ["claim", "deciding numbers", "verdict"]
        let ids = verdicts.map { $0.id + ($0.control.map { " [\($0)]" } ?? "") }
        let idWidth = min((ids + [header[0]]).map(\.count).max() ?? 0, width / 2)
        let room = max(width - idWidth - header[2].count - 4, 8)
        let rows = zip(verdicts, ids).map { v, id in [id, Self.decidingCell(v, width: room), Self.verdictCell(v)] }
        let numbersWidth = min(([header] + rows).map { $0[1].count }.max() ?? 0, room)
        func line(_ cells: [String]) -> String {
            TerminalText.truncated(cells[0], to: idWidth).rightPadded(to: idWidth) + "  "
                + TerminalText.truncated(cells[1], to: numbersWidth).rightPadded(to: numbersWidth) + "  " + cells[2] + "\n"
        }
        var out = line(header)
        for r in rows { out += line(r) }
        let remarks = verdicts.flatMap { v in (v.notes + v.failures.map { "FAILED: " + $0 }).map { "\(v.id): \($0)" } }
        if !remarks.isEmpty {
            out += "\n" + remarks.flatMap { TerminalText.wrapped($0, width: width - 2, indent: 2) }.map { "  " + $0 + "\n" }.joined()
        }
        out += "\n" + TerminalText.wrapped(summary, width: width, indent: 2).joined(separator: "\n") + "\n"
        out += "every measured number and threshold: --wide, --format json or --format markdown\n"
        return out
    }

    /// The wide table: every measured number and the thresholds, aligned
    /// columns (as wide as they need), then the notes and failures, then a summary line.
    public func wideTable() -> String {
        let header = ["claim", "measured", "threshold", "verdict"]
        let rows = verdicts.map { [$0.id + ($0.control.map { " [\($0)]" } ?? ""), Self.measuredCell($0), Self.thresholdCell($0), Self.verdictCell($0)] }
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, cw in i == cells.count - 1 ? cw.0 : cw.0.rightPadded(to: cw.1) }
                .joined(separator: "  ") + "\n"
        }
        var out = line(header)
        for r in rows { out += line(r) }
        let remarks = verdicts.flatMap { v in (v.notes + v.failures.map { "FAILED: " + $0 }).map { "  \(v.id): \($0)" } }
        if !remarks.isEmpty { out += "\n" + remarks.joined(separator: "\n") + "\n" }
        out += "\n" + summary + "\n"
        return out
    }

    /// `11/11 claims passed` (or which failed), and how many negative controls failed as they must.
    public var summary: String {
        let claims = verdicts.filter { $0.control == nil }, controls = verdicts.filter { $0.control != nil }
        let failed = claims.filter { !$0.passed }.map(\.id)
        var out = "\(claims.count - failed.count)/\(claims.count) claims passed"
        if !failed.isEmpty { out += "; failed: " + failed.joined(separator: ", ") }
        if !controls.isEmpty {
            let passing = controls.filter(\.passed)
            out += "; \(controls.count - passing.count)/\(controls.count) negative controls failed as they must"
            if !passing.isEmpty { out += "; passed wrongly: " + passing.map { "\($0.id) [\($0.control ?? "")]" }.joined(separator: ", ") }
        }
        return out
    }

    // MARK: - Markdown

    /// A GitHub Markdown table, `|` inside cells escaped, then notes as a list.
    public func markdown() -> String {
        func cell(_ s: String) -> String { s.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }
        var out = "| claim | measured | threshold | verdict |\n|---|---|---|---|\n"
        for v in verdicts {
            let id = "`\(v.id)`" + (v.control.map { " [\($0)]" } ?? "")
            out += "| \(cell(id)) | \(cell(Self.measuredCell(v))) | \(cell(Self.thresholdCell(v))) | **\(Self.verdictCell(v))** |\n"
        }
        let remarks = verdicts.flatMap { v in (v.notes + v.failures.map { "FAILED: " + $0 }).map { "- `\(v.id)`: \($0)" } }
        if !remarks.isEmpty { out += "\n" + remarks.joined(separator: "\n") + "\n" }
        return out
    }

    // MARK: - JSON

    /// An array with one object per verdict.
    public var json: JSONValue { .array(verdicts.map(Self.json)) }

    /// `{id, statement, passed, measured, criteria, parameters, settings, control, notes, failures}`.
    public static func json(_ v: ClaimVerdict) -> JSONValue {
        .object([
            ("id", .string(v.id)),
            ("statement", .string(v.statement)),
            ("passed", .bool(v.passed)),
            ("measured", .object(v.measured.map { ($0.name, .number($0.value)) })),
            ("criteria", .array(v.results.map { .object([("criterion", .string($0.criterion.description)), ("holds", .bool($0.holds))]) })),
            ("parameters", v.preset.json),
            ("settings", settingsJSON(v.settings)),
            ("control", v.control.map { .string($0) } ?? .null),
            ("notes", .array(v.notes.map { .string($0) })),
            ("failures", .array(v.failures.map { .string($0) })),
        ])
    }

    /// A claim's settings as an object, by name.
    public static func settingsJSON(_ settings: [ClaimSetting]) -> JSONValue {
        .object(settings.map { s in
            switch s {
            case .numbers(let n, let xs): return (n, .numbers(xs))
            case .integers(let n, let xs): return (n, .array(xs.map { .integer($0) }))
            case .run(let n, let spec): return (n, spec.json)
            case .text(let n, let t): return (n, .string(t))
            }
        })
    }
}
