import RealModule
import HeadFlowNumerics

// MARK: - A law read off a boundary: the critical value against a varied parameter

extension SweepFit {
    /// The law of a boundary: `log x* = c0 + c1 log p`, `p` the line's value on the `--vary` axis named `xName` and
    /// `x*` the midpoint of each line's first switch (the lowest: where the phase at `lo` ends, e.g. where collapse
    /// stops for `η_E*`), geometric on a log line; one point per line with a switch. The notes give the brackets
    /// as the points' errors (largest relative half-width) and the local exponents `Δ log x* / Δ log p` between
    /// neighbouring lines, which a power law keeps equal. Throws a `ParameterError` for `--x`.
    public init(boundary: BoundaryResult, x xName: String?) throws(ParameterError) {
        let numeric = boundary.axes.enumerated().filter { $0.element.parameter.kind.isNumeric && !$0.element.parameter.isSeed }
        let chosen = xName.map { n in numeric.first { $0.element.parameter.name == n } } ?? (numeric.count == 1 ? numeric.first : nil)
        guard let (a, axis) = chosen else {
            throw ParameterError("x", must: "a numeric varied parameter of the boundary (" + numeric.map(\.element.parameter.name).joined(separator: ", ") + ")",
                                 got: xName.map { "\"\($0)\"" } ?? "nothing")
        }
        let log = boundary.along["scale"]?.stringValue == LineScale.log.rawValue
        var pts: [(x: Double, y: Double)] = [], halfWidths: [Double] = [], skipped = 0
        for l in boundary.lines {
            guard let s = l.switches.first, let p = l.values[a].number, p > 0 else { skipped += 1; continue }
            let mid = log ? (s.low * s.high).squareRoot() : (s.low + s.high) / 2
            pts.append((p, mid))
            halfWidths.append((s.high - s.low) / 2 / abs(mid))
        }
        var local: [Double] = []
        let sorted = pts.sorted { $0.x < $1.x }
        for (u, v) in zip(sorted, sorted.dropFirst()) where u.y > 0 && v.y > 0 {
            local.append((Double.log(v.y) - Double.log(u.y)) / (Double.log(v.x) - Double.log(u.x)))
        }
        let along = boundary.along["name"]?.stringValue ?? "x"
        var notes = ["y = midpoint of each line's first switch; bracket half-width ≤ "
                     + SweepValue.compact(100 * (halfWidths.max() ?? 0)) + "% of y (its error)"]
        if !local.isEmpty {
            notes.append("local exponents between neighbours: " + local.map { NumberFormat.short($0) }.joined(separator: ", "))
        }
        self.init(x: axis.parameter, y: .outcome, yName: along + "*", points: pts, excluded: skipped, notes: notes,
                  extraJSON: [("y_error", .array(zip(pts, halfWidths).map { .number($0.y * $1) })),
                              ("local_exponents", .array(local.map { .number($0) }))])
    }
}
