import HeadFlowNumerics
import HeadFlowModel
import HeadFlowSweeps

/// Renders a `FeatureCountTable` result: a terminal/markdown grid (rows `k`,
/// columns head variants, mean ± sd features learned) or tidy CSV/JSON.
public struct FeatureCountReport {
    /// The table's parameters.
    public let table: FeatureCountTable
    /// Its cells, row-major (k, then head).
    public let cells: [FeatureCountTable.Cell]

    /// A report of `cells` computed from `table`.
    public init(table: FeatureCountTable, cells: [FeatureCountTable.Cell]) { self.table = table; self.cells = cells }

    private func cell(_ k: Int, _ h: HeadKind) -> FeatureCountTable.Cell? { cells.first { $0.features == k && $0.head == h } }

    private var caption: String {
        "distinct features learned (|cos| ≥ 0.9 at t_end = \(NumberFormat.short(table.base.tEnd))), mean ± sd over \(table.seeds.count) random starts; "
            + "m = \(table.neurons.map(String.init) ?? "k"), α = \(table.alpha), η_E/η = \(NumberFormat.short(table.base.etaE / max(table.base.eta, .leastNormalMagnitude))), d = \(table.base.d)"
    }

    /// Grid with a caption; `markdown` for a Markdown table.
    public func grid(markdown: Bool) -> String {
        let header = ["k"] + table.heads.map { "head \($0.rawValue)" }
        var rows: [[String]] = []
        for k in table.featureCounts {
            rows.append(["\(k)"] + table.heads.map { h in
                guard let c = cell(k, h) else { return "—" }
                let text = NumberFormat.fixed(c.mean, digits: 2) + " ± " + NumberFormat.fixed(c.standardDeviation.isNaN ? 0 : c.standardDeviation, digits: 2)
                return c.failures.isEmpty ? text : text + " (\(c.failures.count) failed)"
            })
        }
        if markdown {
            var out = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
            for r in rows { out += "| " + r.joined(separator: " | ") + " |\n" }
            return out + "\n" + caption + "\n"
        }
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ r: [String]) -> String { zip(r, widths).map { $0.rightPadded(to: $1) }.joined(separator: "   ") }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n\n" + caption + "\n"
    }

    /// Tidy CSV: one row per (k, head) with every parameter.
    public var csv: String {
        var out = "k,neurons,head,seeds,mean,sd,failed,alpha,eta,eta_e,t_end,d\n"
        for c in cells {
            out += "\(c.features),\(c.neurons),\(c.head.rawValue),\(c.counts.count),\(c.mean),\(c.standardDeviation),\(c.failures.count),"
            out += "\"\(table.alpha.prefix(c.features).map { "\($0)" }.joined(separator: ","))\",\(table.base.eta),\(table.base.etaE),\(table.base.tEnd),\(table.base.d)\n"
        }
        return out
    }

    /// JSON: `parameters` (the base run and the grid) and `cells`.
    public var json: JSONValue {
        .object([
            ("parameters", .object([
                ("ks", .array(table.featureCounts.map { .integer($0) })), ("heads", .array(table.heads.map { .string($0.rawValue) })),
                ("alpha", .numbers(table.alpha)), ("neurons", table.neurons.map { .integer($0) } ?? .string("k")),
                ("seeds", .array(table.seeds.map { .integer(Int($0)) })), ("base", table.base.json),
            ])),
            ("cells", .array(cells.map { c in .object([
                ("k", .integer(c.features)), ("neurons", .integer(c.neurons)), ("head", .string(c.head.rawValue)),
                ("mean", .number(c.mean)), ("sd", .number(c.standardDeviation)),
                ("counts", .array(c.counts.map { $0.map { .integer($0) } ?? .null })),
                ("failures", .array(c.failures.map { .string($0) })),
            ]) })),
        ])
    }
}
