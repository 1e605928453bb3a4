import HeadFlowNumerics
import HeadFlowSweeps

// MARK: - Features learned

extension GnuplotFigure {
    /// Distinct features learned at `t_end` against the number of features `k`,
    /// one line per head variant (mean ± one standard deviation over the random
    /// starts as error bars), with the bound `min(k, m)` dashed, from the JSON of
    /// `headflow features --format json`.
    public static func features(_ json: JSONValue, source: String, terminal: GnuplotTerminal,
                                output: String) throws(SweepFileError) -> GnuplotFigure {
        guard let cells = json["cells"]?.arrayValue, !cells.isEmpty, let p = json["parameters"] else {
            throw SweepFileError(source, "not a features JSON (no cells; written by headflow features --format json)")
        }
        let heads = (p["heads"]?.arrayValue ?? []).compactMap(\.stringValue)
        let ks = (p["ks"]?.arrayValue ?? []).compactMap(\.intValue)
        guard !heads.isEmpty, !ks.isEmpty else { throw SweepFileError(source, "no ks or heads in its parameters") }
        let fixedNeurons = p["neurons"]?.intValue
        var data = "", curves: [String] = []
        let colors = ["#e41a1c", "#4daf4a", "#377eb8", "#984ea3", "#ff7f00", "#a65628"]
        let shift = 0.06  // heads side by side, so error bars do not overlap
        for (h, head) in heads.enumerated() {
            data += "# head \(head)\n"
            for c in cells where c["head"]?.stringValue == head {
                guard let k = c["k"]?.intValue, let mean = c["mean"]?.doubleValue, mean.isFinite else { continue }
                let sd = c["sd"]?.doubleValue ?? 0
                let x = Double(k) + (Double(h) - Double(heads.count - 1) / 2) * shift
                data += "\(x) \(mean) \(sd.isFinite ? sd : 0)\n"
            }
            data += "\n\n"
            curves.append("'features.dat' index \(h) using 1:2:3 with yerrorlines lw 2 pt 7 ps 1.2 lc rgb '\(colors[h % colors.count])' title \(quoted("head " + head))")
        }
        let bound = ks.map { k in "\(k) \(min(k, fixedNeurons ?? k))" }.joined(separator: "\n")
        curves.append("'bound.dat' using 1:2 with lines dt 2 lw 1.5 lc rgb '#555555' title 'bound min(k, m)'")
        let seeds = p["seeds"]?.arrayValue?.count ?? 0
        let base = p["base"] ?? .null
        let num: (String) -> String = { base[$0]?.doubleValue.map(SweepValue.compact) ?? "?" }
        let alpha = (p["alpha"]?.arrayValue ?? []).compactMap(\.doubleValue).map(SweepValue.compact).joined(separator: ", ")
        let title = "features learned — α = (\(alpha)), η = \(num("eta")), η_{E} = \(num("eta-e")), d = \(num("d")), t_{end} = \(num("t-end"))"
        var s = terminal.line(width: 800, height: 560) + "\n"
        s += "set output \(quoted(output))\n"
        s += "set title \(quoted(title))\n"
        s += "set xlabel \(quoted("k (number of features; " + (fixedNeurons.map { "m = \($0) neurons" } ?? "m = k neurons") + ")"))\n"
        s += "set ylabel \(quoted("distinct features learned at t_{end} (mean ± sd over \(seeds) starts)"))\n"
        let lo = ks.min()!, hi = ks.max()!
        s += "set xrange [\(Double(lo) - 0.5):\(Double(hi) + 0.5)]\nset xtics 1\nset yrange [0:\(Double(hi) + 0.5)]\nset ytics 1\n"
        s += "set grid lc rgb '#dddddd'\nset key left top box opaque\nset tics out nomirror\n"
        s += "plot " + curves.joined(separator: ", \\\n     ") + "\n"
        return GnuplotFigure(script: s, data: [("features.dat", data), ("bound.dat", bound + "\n")])
    }
}
