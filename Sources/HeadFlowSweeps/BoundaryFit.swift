import RealModule
import HeadFlowNumerics

// MARK: - A law read off a boundary: the critical value against a varied parameter

extension SweepFit {
    /// The law of a boundary: `log x* = c0 + c1 log p`, `p` the line's value on the `--vary` axis named `xName` and
    /// `x*` the midpoint of each line's first switch (the lowest: where the phase at `lo` ends, e.g. where collapse
    /// stops for `η_E*`) — or its first switch of kind `kind` (`C:D`, below:above) —, geometric on a log line; one
    /// point per line with such a switch. With the seed varied, the points are the medians over the seeds at each `p`
    /// (GSL's median; lines without the switch left out). The notes give the brackets as the points' errors (largest
    /// relative half-width) and the local exponents `Δ log x* / Δ log p` between neighbouring points, which a power
    /// law keeps equal. Throws a `ParameterError` for `--x` or `--switch`.
    public init(boundary: BoundaryResult, x xName: String?, switch kind: String? = nil) throws(ParameterError) {
        let numeric = boundary.axes.enumerated().filter { $0.element.parameter.kind.isNumeric && !$0.element.parameter.isSeed }
        let chosen = xName.map { n in numeric.first { $0.element.parameter.name == n } } ?? (numeric.count == 1 ? numeric.first : nil)
        guard let (a, axis) = chosen else {
            throw ParameterError("x", must: "a numeric varied parameter of the boundary (" + numeric.map(\.element.parameter.name).joined(separator: ", ") + ")",
                                 got: xName.map { "\"\($0)\"" } ?? "nothing")
        }
        let sides = kind.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        if let sides, sides.count != 2 || sides.contains(where: \.isEmpty) {
            throw ParameterError("switch", must: "BELOW:ABOVE, the sides of a switch (C:D, .:D, D:.)", got: "\"\(kind!)\"")
        }
        let log = boundary.along["scale"]?.stringValue == LineScale.log.rawValue
        var pts: [(x: Double, y: Double)] = [], halfWidths: [Double] = [], skipped = 0
        for l in boundary.lines {
            let chosen = l.switches.first { s in sides.map { s.below.description == $0[0] && s.above.description == $0[1] } ?? true }
            guard let s = chosen, let p = l.values[a].number, p > 0 else { skipped += 1; continue }
            let mid = log ? (s.low * s.high).squareRoot() : (s.low + s.high) / 2
            pts.append((p, mid))
            halfWidths.append((s.high - s.low) / 2 / abs(mid))
        }
        let seeds = boundary.axes.contains { $0.parameter.isSeed }
        if seeds {
            var byX: [Double: [Double]] = [:]
            for p in pts { byX[p.x, default: []].append(p.y) }
            pts = byX.keys.sorted().map { ($0, Statistics.median(byX[$0]!)) }
        }
        var local: [Double] = []
        let sorted = pts.sorted { $0.x < $1.x }
        for (u, v) in zip(sorted, sorted.dropFirst()) where u.y > 0 && v.y > 0 {
            local.append((Double.log(v.y) - Double.log(u.y)) / (Double.log(v.x) - Double.log(u.x)))
        }
        let along = boundary.along["name"]?.stringValue ?? "x"
        let which = kind.map { "first \($0) switch" } ?? "first switch"
        var notes = ["y = midpoint of each line's \(which)" + (seeds ? ", median over the seeds at each x" : "") + "; bracket half-width ≤ "
                     + SweepValue.compact(100 * (halfWidths.max() ?? 0)) + "% of y (its error)"]
        if !local.isEmpty {
            notes.append("local exponents between neighbours: " + local.map { NumberFormat.short($0) }.joined(separator: ", "))
        }
        self.init(x: axis.parameter, y: .outcome, yName: along + "*", points: pts, excluded: skipped, notes: notes,
                  extraJSON: [("y_error", .array(seeds ? [] : zip(pts, halfWidths).map { .number($0.y * $1) })),
                              ("local_exponents", .array(local.map { .number($0) }))])
    }
}
