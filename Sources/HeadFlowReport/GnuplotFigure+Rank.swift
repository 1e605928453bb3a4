import HeadFlowNumerics
import HeadFlowDynamics
import HeadFlowSweeps

// MARK: - Representation rank over time

extension GnuplotFigure {
    /// A label for a run from its recorded parameters: the head, and whatever of
    /// the neighbouring mechanisms differs from the paper's setting (EMA target
    /// and its `τ`, stop-gradient off, DirectPred's `ε` and source).
    public static func mechanismLabel(_ run: JSONValue) -> String {
        let p = run["parameters"] ?? .null
        var parts = ["head \(p["head"]?.stringValue ?? "?")"]
        if let h = p["head"]?.stringValue, h == "directpred" || h == "directcopy" {
            parts.append("ε = \(p["dp-eps"]?.doubleValue.map(SweepValue.compact) ?? "?")")
            parts.append(p["dp-source"]?.stringValue ?? "raw")
        }
        if p["target"]?.stringValue == "ema" { parts.append("EMA τ = \(p["ema-tau"]?.doubleValue.map(SweepValue.compact) ?? "?")") }
        if p["stop-grad"]?.stringValue == "off" { parts.append("no stop-grad") }
        return parts.joined(separator: ", ")
    }

    /// `erank(t)` of the online outputs `f` for several runs on one log time axis
    /// (from `headflow run --format json`; each sample's `erank_f`), one curve per
    /// run labelled by `labels` (default `mechanismLabel`; `plot rank` checks
    /// there is one per run). Throws when a run has fewer than 2 samples with
    /// `t > 0` and a finite `erank_f`, or a sample's `t` or `erank_f` is there
    /// but neither a number ≥ 0 nor null.
    public static func rank(runs: [(source: String, run: JSONValue)], labels: [String]? = nil, key: String = "erank_f",
                            terminal: GnuplotTerminal, output: String) throws(SweepFileError) -> GnuplotFigure {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
        var data: [(name: String, contents: String)] = []
        var curves: [String] = []
        var maxRank = 1.0
        for (i, (source, run)) in runs.enumerated() {
            guard let samples = run["trajectory"]?.arrayValue else {
                throw SweepFileError(source, "not a run JSON (no trajectory; written by headflow run --format json)")
            }
            var rows: [String] = []
            for (n, s) in samples.enumerated() {
                // A value that is there must be a number ≥ 0 (null: not finite, as the run writes NaN/∞).
                for field in ["t", key] {
                    guard let v = s[field], v != .null else { continue }
                    guard let x = v.doubleValue, x >= 0 else {
                        throw SweepFileError(source, "trajectory sample \(n): \"\(field)\" must be a number ≥ 0 or null (got \(RunSpec.short(v)))")
                    }
                }
                guard let t = s["t"]?.doubleValue, t > 0, let r = s[key]?.doubleValue, r.isFinite else { continue }
                rows.append("\(t) \(r)")
                maxRank = max(maxRank, r)
            }
            guard rows.count >= 2 else { throw SweepFileError(source, "fewer than 2 samples with t > 0 and a finite \(key)") }
            let name = "run\(i).dat"
            data.append((name, rows.joined(separator: "\n") + "\n"))
            let label = labels.flatMap { i < $0.count ? $0[i] : nil } ?? mechanismLabel(run)
            curves.append("\(quoted(name)) using 1:2 with lines lw \(max(1.5, 3.5 - 0.5 * Double(i))) dt \(i % 5 + 1) lc rgb '\(colors[i % colors.count])' title \(quoted(label))")
        }
        let what = key.hasPrefix("rankme") ? "RankMe" : "erank"
        let of = key.hasSuffix("_F") ? "F = E f" : "f"
        var s = terminal.line(width: 960, height: 560) + "\n"
        s += "set output \(quoted(output))\n"
        s += "set title \(quoted("\(what) of the correlation matrix of \(of) over time")) noenhanced\n"
        s += "set logscale x\nset format x '10^{%L}'\nset autoscale xfix\nset grid lc rgb '#dddddd'\n"
        s += "set key outside right top noenhanced\nset rmargin 40\n"
        s += "set xlabel 't (units of 1/η)'\nset ylabel \(quoted("\(what)(\(of))")) noenhanced\n"
        s += "set yrange [0.95:\(max(2, maxRank.rounded(.up)) + 0.05)]\n"
        s += "plot " + curves.joined(separator: ", \\\n     ") + "\n"
        return GnuplotFigure(script: s, data: data)
    }
}
