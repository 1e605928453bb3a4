import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

// MARK: - Tidy outputs: one record per cell, every parameter

extension FastestHeadReport {
    /// `{search, axes, base, rows}`: `search` the settings (event, `between`, scan, precision, the minimiser,
    /// the paper's rate), `axes` the `--vary` axes, `base` every run option; each row carries `values` (its
    /// axis values), `parameters` (every run option of the cell, `eta-e` at the paper's default rate, and the
    /// start), `verdict` (`interior`, `monotone-low`, `monotone-high`, `never`, `failed`) with `message`,
    /// `optimum` (`eta_e_ratio`, `eta_e`, `time`, Brent's `bracket` and `iterations`; null when there is none),
    /// `scan` (`eta_e_ratio` and `time`, two lists), `paper_default` and `no_head` (each a `time` and a
    /// `speedup` with its `speedup_kind`: `finite`, `infinite` or `undefined`), and `runs`. A time not reached by `t_end` is `null` (`T = +∞`; in a
    /// `failed` row a missing time is unknown, see `message`).
    public var json: JSONValue {
        .object([
            ("search", .object([
                ("event", .string(search.event)), ("parameter", .string("eta-e-ratio")),
                ("between", .numbers([search.lower, search.upper])), ("scan", .integer(search.scanPoints)),
                ("rel_precision", .number(search.relativePrecision)),
                ("minimiser", .string("gsl_min_fminimizer_brent in ln(eta_e/eta)")),
                ("paper_eta_e_ratio", .number(FastestHeadSearch.paperRatio)),
                ("never", .string("a time not reached by t_end is null: T = +inf")),
            ])),
            ("axes", .array(table.axes.map(\.json))),
            ("base", table.base.json),
            ("rows", .array(table.rows.map(rowJSON))),
        ])
    }

    /// One row's record.
    func rowJSON(_ row: FastestHeadTable.Row) -> JSONValue {
        let r = row.result
        let optimum: JSONValue = r.optimum.map { o in
            .object([
                ("eta_e_ratio", .number(o.ratio)), ("eta_e", .number(o.ratio * row.spec.eta)), ("time", .number(o.time)),
                ("bracket", r.bracket.map { .numbers([$0.lower, $0.upper]) } ?? .null), ("iterations", .integer(r.iterations)),
            ])
        } ?? .null
        return .object([
            ("values", .object(zip(table.axes, row.values).map { ($0.parameter.name, $1.json) })),
            ("parameters", row.spec.json(start: row.start)),
            ("verdict", .string(r.verdict.name)),
            ("message", .string(r.verdict.text(search))),
            ("optimum", optimum),
            ("scan", .object([("eta_e_ratio", .numbers(r.scan.map(\.ratio))), ("time", .array(r.scan.map { .number($0.time) }))])),
            ("paper_default", .object([("eta_e_ratio", .number(r.paperDefault.ratio)), ("time", .number(r.paperDefault.time))]
                                      + Self.speedupFields(r.speedupOverPaperDefault))),
            ("no_head", .object([("time", .number(r.noHeadTime))] + Self.speedupFields(r.speedupOverNoHead))),
            ("runs", .integer(r.runs)),
        ])
    }

    /// `speedup` (a number or null) and `speedup_kind`.
    static func speedupFields(_ s: FastestHead.Speedup) -> [(String, JSONValue)] {
        [("speedup", .number(s.value)), ("speedup_kind", .string(s.kind))]
    }

    /// Columns: the varied values, `verdict`, `eta_e_ratio_opt`, `t_opt`, `bracket_low`, `bracket_high`,
    /// `iterations`, `runs`, `t_paper_default`, `speedup_paper_default`, `t_no_head`, `speedup_no_head`, then every
    /// run option of the cell (by CLI name, `eta-e` at the paper's default rate) and `message`. A time not reached
    /// by `t_end` is `inf`; an infinite speed-up `inf`, an undefined one (and a missing optimum) empty.
    public var csv: String {
        let parameterNames = (table.base.json.objectValue ?? []).map(\.0)
        let header = table.axes.map(\.parameter.name) + ["verdict", "eta_e_ratio_opt", "t_opt", "bracket_low", "bracket_high",
                                                         "iterations", "runs", "t_paper_default", "speedup_paper_default",
                                                         "t_no_head", "speedup_no_head"] + parameterNames + ["message"]
        var lines = [header.map(SweepReport.quote).joined(separator: ",")]
        for row in table.rows {
            let r = row.result
            let parameters = Dictionary(uniqueKeysWithValues: row.spec.json.objectValue ?? [])
            var fields = row.values.map(\.description)
            fields += [r.verdict.name, r.optimum.map { "\($0.ratio)" } ?? "",
                       r.optimum.map { Self.csvTime($0.time, r) } ?? (r.verdict == .never ? "inf" : ""),
                       r.bracket.map { "\($0.lower)" } ?? "", r.bracket.map { "\($0.upper)" } ?? "",
                       "\(r.iterations)", "\(r.runs)",
                       Self.csvTime(r.paperDefault.time, r), Self.csvSpeedup(r.speedupOverPaperDefault),
                       Self.csvTime(r.noHeadTime, r), Self.csvSpeedup(r.speedupOverNoHead)]
            fields += parameterNames.map { SweepReport.text(parameters[$0] ?? .null) }
            fields.append(r.verdict.text(search))
            lines.append(fields.map(SweepReport.quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A time for CSV: the number, `inf` when not reached by `t_end`, empty when unknown (a failed search).
    static func csvTime(_ t: Double?, _ r: FastestHead) -> String { t.map { "\($0)" } ?? (r.isFailed ? "" : "inf") }

    /// A speed-up for CSV: the number, `inf`, or empty when undefined.
    static func csvSpeedup(_ s: FastestHead.Speedup) -> String {
        switch s {
        case .finite(let x): return "\(x)"
        case .infinite: return "inf"
        case .undefined: return ""
        }
    }
}
