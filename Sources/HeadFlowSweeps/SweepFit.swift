import HeadFlowNumerics

/// A scaling law read off a sweep: `log y = c0 + c1 log x` by GSL's linear
/// least squares (`LeastSquaresFit.powerLaw`), `x` a varied parameter (`d`,
/// `eta-e`, …) and `y` a numeric metric (`learn_w1_v1`, `peak_e21`, …), one
/// point per finished cell where `y` exists (every seed is a point). The slope
/// `c1` is the exponent (the paper: `T_1 = O(d^{2+o(1)})`, peak `|E_21| = Θ(√(η_E/η))`).
public struct SweepFit: Sendable {
    /// The varied parameter on the x axis.
    public let x: SweepParameter
    /// The metric on the y axis.
    public let y: SweepMetric
    /// The fitted points `(x, y)`, in cell order.
    public let points: [(x: Double, y: Double)]
    /// Cells left out: failed, the event never happened, or `y ≤ 0`.
    public let excluded: Int
    /// The fit; nil with fewer than 3 points or all `x` equal.
    public let fit: LeastSquaresFit?
    /// The y axis as the text names it (`peak_e21`; a boundary's `eta-e-ratio*`).
    public let yName: String
    /// Lines the text adds after the points (a boundary fit's errors and local exponents).
    public let notes: [String]
    /// Fields the JSON adds after `data`.
    public let extraJSON: [(String, JSONValue)]

    /// A fit from its parts (`fit` is computed from `points`).
    init(x: SweepParameter, y: SweepMetric, yName: String, points: [(x: Double, y: Double)], excluded: Int,
         notes: [String] = [], extraJSON: [(String, JSONValue)] = []) {
        self.x = x; self.y = y; self.yName = yName; self.points = points; self.excluded = excluded
        self.notes = notes; self.extraJSON = extraJSON
        fit = LeastSquaresFit.powerLaw(x: points.map(\.x), y: points.map(\.y))
    }

    /// Fits `y` against the axis named `xName` of `result`. Throws a
    /// `ParameterError` for `--x` when it is not a varied numeric parameter,
    /// and for `--y` when the metric is not numeric.
    public init(_ result: SweepResult, x xName: String, y: SweepMetric) throws(ParameterError) {
        guard let a = result.axes.firstIndex(where: { $0.parameter.name == xName }) else {
            let names = result.axes.filter { $0.parameter.kind.isNumeric && !$0.parameter.isSeed }.map(\.parameter.name)
            throw ParameterError("x", must: "a varied parameter (" + names.joined(separator: ", ") + ")", got: "\"\(xName)\"")
        }
        guard result.axes[a].parameter.kind.isNumeric else {
            throw ParameterError("x", must: "a numeric varied parameter", got: "\"\(xName)\"")
        }
        guard y.isNumeric else {
            throw ParameterError("y", must: "a numeric metric (an event time, t_learn, peak_e21, final_loss, features_learned)", got: "outcome")
        }
        var pts: [(x: Double, y: Double)] = [], skipped = 0
        for c in result.cells {
            if let v = y.number(in: c), v > 0, let xv = c.values[a].number, xv > 0 { pts.append((xv, v)) } else { skipped += 1 }
        }
        self.init(x: result.axes[a].parameter, y: y, yName: "\(y)", points: pts, excluded: skipped)
    }

    /// `y ∝ x^{c1}: c1 = … ± …` with the intercept, the number of points and those left out.
    public var text: String {
        var out = "fit log \(yName) = c0 + c1 · log \(x.name)  (GSL gsl_fit_linear, natural logs)\n"
        if let f = fit {
            out += "  slope c1     = \(NumberFormat.short(f.slope)) ± \(NumberFormat.short(f.slopeError)) (standard error)\n"
            out += "  intercept c0 = \(NumberFormat.short(f.intercept)) ± \(NumberFormat.short(f.interceptError))\n"
            out += "  points       = \(f.count)"
        } else {
            out += "  no fit: " + shortage
        }
        return out + excludedText + "\n" + notes.map { "  " + $0 + "\n" }.joined()
    }

    /// Why there is no fit (`no fit: 1 usable point (need ≥ 3 with distinct x), …`), one line; nil when there is one.
    public var failure: String? {
        guard fit == nil else { return nil }
        return "no fit of log \(yName) on log \(x.name): " + shortage + excludedText
    }

    /// `1 usable point (need ≥ 3 with distinct x)`.
    private var shortage: String { "\(points.count) usable point\(points.count == 1 ? "" : "s") (need ≥ 3 with distinct x)" }

    /// `, N cells left out (…)`, or nothing when every cell is a point.
    private var excludedText: String {
        excluded > 0 ? ", \(excluded) \(unit)\(excluded == 1 ? "" : "s") left out (\(notes.isEmpty ? "failed, \(y) never happened, or ≤ 0" : "no switch"))" : ""
    }

    /// What a point is: a sweep's cell, a boundary's line.
    private var unit: String { notes.isEmpty ? "cell" : "line" }

    /// `{x, y, slope, slope_error, intercept, intercept_error, points, excluded, data}`.
    public var json: JSONValue {
        .object([
            ("x", .string(x.name)), ("y", .string(yName)),
            ("slope", .number(fit?.slope)), ("slope_error", .number(fit?.slopeError)),
            ("intercept", .number(fit?.intercept)), ("intercept_error", .number(fit?.interceptError)),
            ("points", .integer(points.count)), ("excluded", .integer(excluded)),
            ("data", .array(points.map { .array([.number($0.x), .number($0.y)]) })),
        ] + extraJSON)
    }
}
