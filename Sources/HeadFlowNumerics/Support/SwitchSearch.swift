import RealModule

/// How a line `x ∈ [lo, hi]` is scanned and split: evenly in `x`, or evenly in `log x` (positive lines only,
/// where a rate or a size spans decades: `η_E/η ∈ [10⁻⁴, 1]`).
public enum LineScale: String, Sendable, CaseIterable {
    /// Points and midpoints evenly spaced in `x`.
    case linear
    /// Points and midpoints evenly spaced in `log x` (geometric midpoint `√(ab)`); needs `0 < lo < hi`.
    case log
}

/// What one evaluation at a point of the line gave: a result with its class (two results with equal `key` lie on
/// the same side of every switch), or a failure (a failed integration), which is never a side of a switch.
public enum LineProbe<Result: Sendable>: Sendable {
    /// A result and its class.
    case result(Result, key: String)
    /// The evaluation failed; `message` says how (with the time reached).
    case failed(String)

    /// The class, nil for a failure.
    public var key: String? { if case .result(_, let k) = self { return k }; return nil }
}

/// Why a bracket is wider than the precision asked (`SwitchSearch.relativePrecision`).
public enum BracketLimit: String, Sendable, CaseIterable {
    /// An integer parameter: `low` and `high` are adjacent integers.
    case adjacentIntegers = "adjacent integers"
    /// `low` and `high` are adjacent doubles (no midpoint between them).
    case adjacentDoubles = "adjacent doubles"
    /// `SwitchSearch.maximumSteps` bisection steps were taken.
    case stepLimit = "step limit"
}

/// One located switch: the class changes between `low` and `high`, both evaluated (never interpolated).
public struct SwitchBracket<Result: Sendable>: Sendable {
    /// The largest evaluated point on the low side.
    public let low: Double
    /// The smallest evaluated point on the high side.
    public let high: Double
    /// The result at `low`.
    public let below: Result
    /// The result at `high`.
    public let above: Result
    /// Why the bracket is wider than asked; nil when `high − low ≤ relativePrecision · max(|low|, |high|)`.
    public let limit: BracketLimit?

    /// A bracket from its parts.
    public init(low: Double, high: Double, below: Result, above: Result, limit: BracketLimit?) {
        self.low = low; self.high = high; self.below = below; self.above = above; self.limit = limit
    }
}

/// A change of class that could not be located: a point between `low` and `high` failed.
public struct UnresolvedBracket<Result: Sendable>: Sendable {
    /// The evaluated point below the failure.
    public let low: Double
    /// The evaluated point above the failure.
    public let high: Double
    /// The result at `low`.
    public let below: Result
    /// The result at `high`.
    public let above: Result
    /// Where the evaluation failed.
    public let failedAt: Double

    /// An unresolved change from its parts.
    public init(low: Double, high: Double, below: Result, above: Result, failedAt: Double) {
        self.low = low; self.high = high; self.below = below; self.above = above; self.failedAt = failedAt
    }
}

/// Everything a search along one line found: every evaluation in increasing `x`, the switches located, the changes
/// a failure kept from being located, and the failures.
public struct LineSearchResult<Result: Sendable>: Sendable {
    /// Every evaluated point `(x, probe)`, sorted by `x`.
    public let points: [(x: Double, probe: LineProbe<Result>)]
    /// The switches, in increasing `x`.
    public let switches: [SwitchBracket<Result>]
    /// Changes next to a failed point (a scan point or a midpoint), in increasing `x`.
    public let unresolved: [UnresolvedBracket<Result>]

    /// A result from its parts (`points` sorted by `x`).
    public init(points: [(x: Double, probe: LineProbe<Result>)], switches: [SwitchBracket<Result>],
                unresolved: [UnresolvedBracket<Result>]) {
        self.points = points; self.switches = switches; self.unresolved = unresolved
    }

    /// The failed points `(x, message)`, in increasing `x`.
    public var failures: [(x: Double, message: String)] {
        points.compactMap { p in if case .failed(let m) = p.probe { return (p.x, m) }; return nil }
    }
}

/// Locating where a class changes along a line `x ∈ [lo, hi]` (the phase boundary of a flow along one parameter)
/// by a coarse scan and bisection, as a root is bracketed: the scan's `n` points (`scanPoints`) are evaluated first;
/// then EVERY pair of neighbours whose classes differ is bisected until `high − low ≤ relativePrecision · max(|low|,
/// |high|)`. A midpoint of a third class (a collapse → undecided → diverse line) splits the pair into two brackets,
/// so each change is reported. Evaluated points only: a bracket's ends are always evaluations, never interpolated.
///
/// Edges: a failed evaluation is never a side of a switch — a scan pair with a failure is not bisected (it is in
/// `failures`; if the classes around it differ, the pair is `unresolved`), and a failure at a midpoint stops that
/// bisection as `unresolved`. An integer line stops at adjacent integers, a real one at adjacent doubles, each said
/// in `SwitchBracket.limit`. Changes between two scan points of the same class (a narrow island) are not seen.
public struct SwitchSearch: Sendable {
    /// The scale of the scan and of the midpoints.
    public let scale: LineScale
    /// Whether `x` is an integer parameter (points and midpoints rounded).
    public let integral: Bool
    /// The target relative width of a bracket, `(high − low) / max(|low|, |high|)`.
    public let relativePrecision: Double
    /// Bisection steps per bracket at most (each halves `high − low`, or `log(high/low)`).
    public static let maximumSteps = 200

    /// A search on `scale`, integral or real, to `relativePrecision` (> 0).
    public init(scale: LineScale, integral: Bool, relativePrecision: Double) {
        self.scale = scale; self.integral = integral; self.relativePrecision = relativePrecision
    }

    /// `n ≥ 2` points from `lo` to `hi` (both included), even in `x` or in `log x`; reals passed through `rounded`
    /// (a sweep rounds them to 12 significant digits, as `--vary` ranges), integers rounded; repeats dropped.
    public func scanPoints(_ lo: Double, _ hi: Double, count n: Int, rounded: (Double) -> Double = { $0 }) -> [Double] {
        let m = max(2, n)
        // The log grid is the sweep's own (`NumberFormat.logSpaced`, as `--vary NAME=LO:HI:log:n`).
        let grid = scale == .log ? NumberFormat.logSpaced(lo, hi, m)
            : (0..<m).map { i in i == m - 1 ? hi : lo + (hi - lo) * (Double(i) / Double(m - 1)) }
        var out: [Double] = []
        for g in grid {
            let x = integral ? g.rounded() : rounded(g)
            if out.last != x { out.append(x) }
        }
        return out
    }

    /// Whether `[a, b]` is as narrow as asked.
    public func isNarrow(_ a: Double, _ b: Double) -> Bool { b - a <= relativePrecision * max(abs(a), abs(b)) }

    /// The point that splits `[a, b]` (`(a + b)/2`, or `√(ab)` in log), rounded for an integer line; nil when none
    /// lies strictly inside.
    public func midpoint(_ a: Double, _ b: Double) -> Double? {
        var m = scale == .log ? Double.exp((Double.log(a) + Double.log(b)) / 2) : a + (b - a) / 2
        if integral { m = m.rounded(.down); if m <= a { m = a + 1 } }
        return m > a && m < b ? m : nil
    }

    /// Runs the search: `scan` holds the probes at `scanPoints` (evaluated by the caller, in parallel if it likes),
    /// `probe` evaluates a midpoint. Deterministic: the midpoints depend only on the results.
    public func search<R: Sendable>(scan: [(x: Double, probe: LineProbe<R>)],
                                    probe: (Double) -> LineProbe<R>) -> LineSearchResult<R> {
        var points = scan
        var switches: [SwitchBracket<R>] = [], unresolved: [UnresolvedBracket<R>] = []
        var i = 0
        while i + 1 < scan.count {
            guard case .result(let ra, let ka) = scan[i].probe else { i += 1; continue }
            var j = i + 1
            // Failed scan points between two results: the change, if any, is unresolved.
            while j < scan.count, scan[j].probe.key == nil { j += 1 }
            guard j < scan.count, case .result(let rb, let kb) = scan[j].probe else { break }
            if ka != kb {
                if j > i + 1 {
                    unresolved.append(UnresolvedBracket(low: scan[i].x, high: scan[j].x, below: ra, above: rb, failedAt: scan[i + 1].x))
                } else {
                    refine((scan[i].x, ra, ka), (scan[j].x, rb, kb), probe, &points, &switches, &unresolved)
                }
            }
            i = j
        }
        points.sort { $0.x < $1.x }
        return LineSearchResult(points: points, switches: switches.sorted { $0.low < $1.low },
                                unresolved: unresolved.sorted { $0.low < $1.low })
    }

    /// Bisects `[a, b]` (classes differ) to the precision; a third class at a midpoint splits it in two.
    private func refine<R: Sendable>(_ a0: (Double, R, String), _ b0: (Double, R, String), _ probe: (Double) -> LineProbe<R>,
                                     _ points: inout [(x: Double, probe: LineProbe<R>)],
                                     _ switches: inout [SwitchBracket<R>], _ unresolved: inout [UnresolvedBracket<R>]) {
        var a = a0, b = b0
        var steps = 0, split = true
        while !isNarrow(a.0, b.0), steps < Self.maximumSteps {
            guard let m = midpoint(a.0, b.0) else { split = false; break }
            steps += 1
            let p = probe(m)
            points.append((m, p))
            switch p {
            case .failed:
                unresolved.append(UnresolvedBracket(low: a.0, high: b.0, below: a.1, above: b.1, failedAt: m))
                return
            case .result(let r, let k) where k == a.2: a = (m, r, k)
            case .result(let r, let k) where k == b.2: b = (m, r, k)
            case .result(let r, let k):
                refine(a, (m, r, k), probe, &points, &switches, &unresolved)
                refine((m, r, k), b, probe, &points, &switches, &unresolved)
                return
            }
        }
        let limit: BracketLimit? = isNarrow(a.0, b.0) ? nil : split ? .stepLimit : integral ? .adjacentIntegers : .adjacentDoubles
        switches.append(SwitchBracket(low: a.0, high: b.0, below: a.1, above: b.1, limit: limit))
    }
}
