import RealModule
import HeadFlowNumerics
import HeadFlowSweeps

// MARK: - Boundaries

extension GnuplotFigure {
    /// The switches of a boundary against the varied parameter `x` (the only numeric `--vary` axis, or the one
    /// named): each switch's bracket `[low, high]` drawn as an error bar around its midpoint (geometric on a log line),
    /// one series per kind of switch (`C → D`, `D → .`, …); log axes where the values are positive. Throws when
    /// there is no such axis or no switch.
    public static func boundary(_ result: BoundaryResult, x name: String?, source: String, terminal: GnuplotTerminal,
                                output: String) throws(SweepFileError) -> GnuplotFigure {
        let numeric = result.axes.indices.filter { result.axes[$0].parameter.kind.isNumeric && !result.axes[$0].parameter.isSeed }
        guard let a = name.map({ n in numeric.first { result.axes[$0].parameter.name == n } }) ?? (numeric.count == 1 ? numeric.first : nil) else {
            throw SweepFileError(source, "plot boundary needs one numeric varied parameter (--x NAME among: "
                                 + numeric.map { result.axes[$0].parameter.name }.joined(separator: ", ") + ")")
        }
        let series = switchSeries(result) { line in line.values[a].number }
        guard !series.isEmpty else { throw SweepFileError(source, "no switch to draw (no line changes in its range)") }
        let along = result.along["name"]?.stringValue ?? "x"
        let logY = result.along["scale"]?.stringValue == LineScale.log.rawValue
        let logX = result.lines.allSatisfy { ($0.values[a].number ?? 0) > 0 }
        var s = terminal.line(width: 900, height: 600) + "\n"
        s += "set output \(quoted(output))\n"
        let head = PlotNotation.escaped(result.lines.first?.parameters["head"]?.stringValue ?? "?")
        s += "set title \(quoted("boundary: \(PlotNotation.parameter(along)) at the switch — head \(head)"))\n"
        s += "set xlabel \(quoted(PlotNotation.parameter(result.axes[a].parameter.name)))\n"
        s += "set ylabel \(quoted(PlotNotation.parameter(along) + " at the switch (bracket as error bar)"))\n"
        if logX { s += "set logscale x\n" }
        if logY { s += "set logscale y\nset format y '10^{%L}'\n" }
        s += "set grid lc rgb '#dddddd'\nset key top right\nset offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n"
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
        s += "plot " + series.enumerated().map { i, e in
            "'boundary.dat' index \(i) using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb '\(colors[i % colors.count])' title \(quoted(e.title)) noenhanced"
        }.joined(separator: ", \\\n     ") + "\n"
        return GnuplotFigure(script: s, data: [("boundary.dat", series.map(\.rows).joined(separator: "\n\n"))])
    }

    /// The switches grouped by kind (`C → D`), in order of first appearance: rows `x mid low high`, sorted by `x`,
    /// for the lines where `x(line)` is a number.
    static func switchSeries(_ result: BoundaryResult, x: (BoundaryLine) -> Double?) -> [(title: String, rows: String)] {
        let log = result.along["scale"]?.stringValue == LineScale.log.rawValue
        var order: [String] = [], points: [String: [(Double, String)]] = [:]
        for l in result.lines {
            guard let xv = x(l) else { continue }
            for s in l.switches {
                let kind = "\(s.below) → \(s.above)"
                if points[kind] == nil { order.append(kind); points[kind] = [] }
                let mid = log ? (s.low * s.high).squareRoot() : (s.low + s.high) / 2
                points[kind]!.append((xv, "\(xv) \(mid) \(s.low) \(s.high)"))
            }
        }
        return order.map { k in (k, points[k]!.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n") }
    }

    /// The boundary's switches in the index coordinates of a phase heat map (`phase`): the line's `--vary` value
    /// placed on the map's other axis, the switch on the axis of the line's parameter, interpolated between the
    /// map's values (in `log` where they are positive) — for drawing only; the switch itself is the bracket.
    /// Nil when the map does not show the line's parameter and the boundary's varied one.
    static func overlay(_ boundary: BoundaryResult, rows: SweepAxis?, columns: SweepAxis?) -> (script: String, data: String)? {
        guard let along = boundary.along["name"]?.stringValue, boundary.axes.count == 1, let rows, let columns else { return nil }
        let other = boundary.axes[0].parameter.name
        let (alongAxis, otherAxis, alongIsRow): (SweepAxis, SweepAxis, Bool)
        if rows.parameter.name == along && columns.parameter.name == other { (alongAxis, otherAxis, alongIsRow) = (rows, columns, true) }
        else if columns.parameter.name == along && rows.parameter.name == other { (alongAxis, otherAxis, alongIsRow) = (columns, rows, false) }
        else { return nil }
        let position = { (axis: SweepAxis, v: Double) in Self.fractionalIndex(axis.values.compactMap(\.number), v) }
        let series = switchSeries(boundary) { $0.values[0].number }
        var data: [String] = []
        for e in series {
            var rows: [String] = []
            for row in e.rows.split(separator: "\n") {
                let f = row.split(separator: " ").compactMap { Double($0) }
                guard f.count == 4, let o = position(otherAxis, f[0]), let m = position(alongAxis, f[1]),
                      let lo = position(alongAxis, f[2]), let hi = position(alongAxis, f[3]) else { continue }
                rows.append(alongIsRow ? "\(o) \(m) \(lo) \(hi)" : "\(m) \(o) \(lo) \(hi)")
            }
            data.append(rows.joined(separator: "\n") + "\n")
        }
        let style = alongIsRow ? "yerrorlines" : "xerrorlines"
        let script = series.enumerated().map { i, e in
            "'boundary.dat' index \(i) using 1:2:3:4 with \(style) lw 3 pt 7 ps 0.8 lc rgb 'black' dt \(i + 1) title \(quoted("boundary " + e.title)) noenhanced"
        }.joined(separator: ", \\\n     ")
        return (script, data.joined(separator: "\n\n"))
    }

    /// Where `v` falls among `values` (ascending or descending) as a fractional index, interpolated in `log` when
    /// all are positive, linearly extrapolated past the ends; nil with fewer than 2 values.
    static func fractionalIndex(_ values: [Double], _ v: Double) -> Double? {
        guard values.count >= 2 else { return values.first == v ? 0 : nil }
        let log = values.allSatisfy { $0 > 0 } && v > 0
        let t = { (x: Double) in log ? Double.log(x) : x }
        let xs = values.map(t), y = t(v)
        var i = 0
        while i < xs.count - 2, (xs[i + 1] - y) * (xs[1] - xs[0]) < 0 { i += 1 }
        let span = xs[i + 1] - xs[i]
        return span == 0 ? Double(i) : Double(i) + (y - xs[i]) / span
    }
}
