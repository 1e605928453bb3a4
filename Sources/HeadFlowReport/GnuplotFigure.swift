import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

/// A gnuplot terminal for a figure file.
public enum GnuplotTerminal: String, CaseIterable, Sendable {
    /// Cairo PNG (anti-aliased; Debian `gnuplot-nox` has it).
    case pngcairo
    /// libgd PNG (fallback when cairo is missing).
    case png
    /// SVG.
    case svg

    /// `set terminal …` for a `width × height` figure.
    func line(width: Int, height: Int) -> String {
        switch self {
        case .pngcairo: return "set terminal pngcairo size \(width),\(height) enhanced font 'DejaVu Sans,11' background rgb 'white'"
        case .png: return "set terminal png size \(width),\(height) enhanced font 'DejaVu Sans,11' background rgb 'white'"
        case .svg: return "set terminal svg size \(width),\(height) enhanced font 'DejaVu Sans,11' background rgb 'white'"
        }
    }
}

/// A gnuplot script and the data files it reads (by relative name, so the
/// caller writes them into one directory and runs gnuplot there). Pure text:
/// running gnuplot is the CLI's job.
public struct GnuplotFigure: Sendable {
    /// The script.
    public var script: String
    /// Data files: name (relative) and contents.
    public var data: [(name: String, contents: String)]

    /// A string as a gnuplot double-quoted literal.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    // MARK: - Trajectory

    /// `cos_{ℓj}(t)` (top) and the off-diagonal `E_jr(t)` (bottom) on a log
    /// time axis, with the located events as dashed lines, from the JSON of
    /// `headflow run --format json` (or `train`). The `t = 0` sample is left out.
    public static func trajectory(run: JSONValue, source: String, terminal: GnuplotTerminal,
                                  output: String) throws(SweepFileError) -> GnuplotFigure {
        guard let samples = run["trajectory"]?.arrayValue, !samples.isEmpty,
              let k = samples[0]["cos"]?.matrixValue?.rows, let m = samples[0]["cos"]?.matrixValue?.cols else {
            throw SweepFileError(source, "not a run JSON (no trajectory with cos; written by headflow run --format json)")
        }
        var rows: [String] = []
        for s in samples {
            guard let t = s["t"]?.doubleValue, t > 0, let c = s["cos"]?.matrixValue, let e = s["E"]?.matrixValue,
                  c.rows == k, c.cols == m, e.rows == m, e.cols == m else { continue }
            var vals = [t] + c.storage
            for j in 0..<m { for r in 0..<m where r != j { vals.append(e[j, r]) } }
            rows.append(vals.map { "\($0)" }.joined(separator: " "))
        }
        guard rows.count >= 2 else { throw SweepFileError(source, "fewer than 2 samples with t > 0") }
        let p = run["parameters"] ?? .null
        let head = p["head"]?.stringValue ?? "?"
        let num: (String) -> String = { p[$0]?.doubleValue.map(SweepValue.compact) ?? "?" }
        let alpha = (p["alpha"]?.arrayValue ?? []).compactMap(\.doubleValue).map(SweepValue.compact).joined(separator: ", ")
        let title = "head \(PlotNotation.escaped(head)), d = \(num("d")), α = (\(alpha)), σ_{ξ} = \(num("noise")), η = \(num("eta")), η_{E} = \(num("eta-e"))"
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
        var s = terminal.line(width: 960, height: 720) + "\n"
        s += "set output \(quoted(output))\n"
        s += "set multiplot layout 2,1 title \(quoted(title))\n"
        s += "set logscale x\nset format x '10^{%L}'\nset autoscale xfix\nset grid lc rgb '#dddddd'\nset key outside right top\n"
        s += "set lmargin 10\nset rmargin 16\n"
        // Events (located times) as dashed verticals, labelled in the top panel.
        var n = 0
        for (name, t) in run["events"]?.objectValue ?? [] {
            guard let t = t.doubleValue, t > 0, name.hasPrefix("learn_") || name == "substitution" else { continue }
            n += 1
            s += "set arrow \(n) from \(t), graph 0 to \(t), graph 1 nohead dt 2 lc rgb '#888888'\n"
            s += "set label \(n) \(quoted(name)) at \(t), graph 0.04 rotate by 90 offset -0.6,0 font ',9' tc rgb '#555555' noenhanced\n"
        }
        s += "set ylabel 'cos_{ℓj} = a_{ℓj}/‖w_{j}‖ (dimensionless)'\nset yrange [-1.05:1.05]\nunset xlabel\n"
        var curves: [String] = []
        for l in 0..<k { for j in 0..<m {
            let col = 2 + l * m + j
            curves.append("'trajectory.dat' using 1:\(col) with lines lw 2 dt \(l == 0 ? 1 : 2) lc rgb '\(colors[j % colors.count])' title 'cos_{\(l + 1)\(j + 1)}'")
        } }
        s += "plot " + curves.joined(separator: ", \\\n     ") + "\n"
        s += "unset label\nset ylabel 'E_{jr}, j ≠ r (off-diagonal head entries)'\nset yrange [*:*]\nset xlabel 't (units of 1/η)'\n"
        var heads: [String] = []
        var col = 2 + k * m
        for j in 0..<m { for r in 0..<m where r != j {
            heads.append("'trajectory.dat' using 1:\(col) with lines lw 2 lc rgb '\(colors[(j * m + r) % colors.count])' title 'E_{\(j + 1)\(r + 1)}'")
            col += 1
        } }
        s += heads.isEmpty ? "" : "plot " + heads.joined(separator: ", \\\n     ") + "\n"
        s += "unset multiplot\n"
        return GnuplotFigure(script: s, data: [("trajectory.dat", rows.joined(separator: "\n") + "\n")])
    }

    // MARK: - Phase diagram

    /// A heat map of the phase table: one colour per outcome (or, over seeds,
    /// the fraction of diverse cells; for a numeric metric its median, log
    /// colour scale for times), each cell labelled with its table text. Throws
    /// when more than two parameters besides the seed vary (`source` names the input). With `boundary`, its
    /// switches are drawn over the cells (`overlay`); it must run along one of the map's axes and vary the other.
    public static func phase(_ report: SweepReport, source: String, terminal: GnuplotTerminal,
                             output: String, boundary: BoundaryResult? = nil) throws(SweepFileError) -> GnuplotFigure {
        let t = report.table, metric = report.metric
        guard t.pages.count == 1 else {
            throw SweepFileError(source, "varies \(report.result.axes.count) parameters; plot phase draws at most two besides seed")
        }
        let entries = t.pages[0].entries
        let nr = entries.count, nc = entries[0].count
        let seeds = t.seedAxis != nil
        var data = ""
        var values: [Double] = []
        for r in 0..<nr { for c in 0..<nc {
            let e = entries[r][c]
            var z = Double.nan
            if metric == .outcome {
                if seeds { if e.present > 0 { z = Double(e.counts[.diverse] ?? 0) / Double(e.present) } }
                else if let o = e.modalOutcome { z = Double(o.order) + 0.5 } else if e.failed > 0 { z = Double(Outcome.allCases.count) + 0.5 }
            } else if let med = e.median { z = med; values.append(med) }
            data += "\(c) \(r) \(z.isNaN ? "NaN" : "\(z)") \(quoted(e.text(metric: metric)))\n"
        } }
        let rowName = t.rowAxis?.parameter.name ?? "", colName = t.columnAxis?.parameter.name ?? ""
        let width = max(600, min(1500, 260 + 70 * nc)), height = max(420, min(1100, 140 + 44 * nr))
        var s = terminal.line(width: width, height: height) + "\n"
        s += "set output \(quoted(output))\n"
        let base = report.result.base
        let head = PlotNotation.escaped(base["head"]?.stringValue ?? "varied")
        let title = "\(PlotNotation.metric(metric)) — head \(head), engine \(PlotNotation.escaped(report.result.engine["name"]?.stringValue ?? "?"))"
        s += "set title \(quoted(title))\n"
        s += "set xlabel \(quoted(colName.isEmpty ? "" : PlotNotation.parameter(colName)))\n"
        s += "set ylabel \(quoted(rowName.isEmpty ? "" : PlotNotation.parameter(rowName)))\n"
        s += "set rmargin 16\nset xrange [-0.5:\(Double(nc) - 0.5)]\nset yrange [-0.5:\(Double(nr) - 0.5)]\nset tics out nomirror\n"
        s += "set xtics (" + (t.columnAxis?.values.enumerated().map { "\(quoted($1.label)) \($0)" } ?? ["\"\" 0"]).joined(separator: ", ") + ")\n"
        s += "set ytics (" + (t.rowAxis?.values.enumerated().map { "\(quoted($1.label)) \($0)" } ?? ["\"\" 0"]).joined(separator: ", ") + ")\n"
        if metric == .outcome && !seeds {
            let colors = ["#4daf4a", "#e41a1c", "#ff7f00", "#984ea3", "#bbbbbb", "#000000"]
            let names = Outcome.allCases.map(\.rawValue) + ["failed"]
            s += "set cbrange [0:\(names.count)]\nset palette maxcolors \(names.count)\n"
            s += "set palette defined (" + colors.enumerated().map { "\($0) '\($1)', \($0 + 1) '\($1)'" }.joined(separator: ", ") + ")\n"
            s += "set cbtics (" + names.enumerated().map { "'\($1)' \(Double($0) + 0.5)" }.joined(separator: ", ") + ") scale 0\n"
            s += "set cblabel 'outcome at t_{end} (colour key)'\n"
        } else if metric == .outcome {
            s += "set cbrange [0:1]\nset cblabel 'fraction of seeds diverse (D)'\nset palette defined (0 '#e41a1c', 0.5 '#ffffbf', 1 '#4daf4a')\n"
        } else {
            let positive = values.allSatisfy { $0 > 0 }
            if positive, let lo = values.min(), let hi = values.max(), hi > 20 * lo { s += "set logscale cb\n" }
            s += "set cblabel \(quoted(PlotNotation.metric(metric) + (seeds ? ", median over seeds" : "")))\nset palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21908d', 0.75 '#5dc963', 1 '#fde725')\n"
        }
        s += "plot 'phase.dat' using 1:2:3 with image notitle, \\\n     'phase.dat' using 1:2:(stringcolumn(4)) with labels font ',10' notitle noenhanced"
        guard let boundary else { return GnuplotFigure(script: s + "\n", data: [("phase.dat", data)]) }
        guard let layer = overlay(boundary, rows: t.rowAxis, columns: t.columnAxis) else {
            throw SweepFileError(source, "the boundary (along \(boundary.along["name"]?.stringValue ?? "?"), varying "
                                 + boundary.axes.map(\.parameter.name).joined(separator: ", ") + ") does not run along this map's axes (\(rowName), \(colName))")
        }
        return GnuplotFigure(script: "set key below\n" + s + ", \\\n     " + layer.script + "\n", data: [("phase.dat", data), ("boundary.dat", layer.data)])
    }
}
