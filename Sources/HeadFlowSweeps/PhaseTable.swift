import HeadFlowNumerics
import HeadFlowDynamics

/// What one table entry aggregates: the cells at one point of the non-seed
/// axes — one cell, or one per seed when the seed is varied.
public struct PhaseEntry: Equatable, Sendable {
    /// Values of the non-seed axes at this entry (in axis order).
    public var values: [(name: String, value: SweepValue)] = []
    /// Cells expected here (the number of seeds, or 1).
    public var expected = 0
    /// Finished cells, by outcome.
    public var counts: [Outcome: Int] = [:]
    /// Failed cells.
    public var failed = 0
    /// The metric in each finished cell where it exists (numeric metrics).
    public var numbers: [Double] = []
    /// Finished cells where a numeric metric does not exist (the event never happened).
    public var absent = 0
    /// Finished cells without an outcome (image cells: they have metrics only).
    public var unclassified = 0
    /// How a varied seed's numbers are summarised: the median (synthetic sweeps) or mean ± sd (image sweeps).
    public var summary: PhaseSummary = .median

    /// Cells present (finished + failed).
    public var present: Int { finished + failed }
    /// Finished cells.
    public var finished: Int { counts.values.reduce(0, +) + unclassified }

    /// The most frequent outcome (ties: the order of `Outcome.allCases`); nil if none finished.
    public var modalOutcome: Outcome? {
        var best: Outcome? = nil
        for o in Outcome.allCases where (counts[o] ?? 0) > (best.flatMap { counts[$0] } ?? 0) { best = o }
        return best
    }

    /// Fraction of the present cells with each outcome (failed cells count in the denominator).
    public var fractions: [(Outcome, Double)] {
        Outcome.allCases.compactMap { o in counts[o].map { (o, Double($0) / Double(max(present, 1))) } }
    }

    /// The median of the numeric metric over the finished cells that have it (GSL); nil if none.
    public var median: Double? { numbers.isEmpty ? nil : Statistics.median(numbers) }

    /// The mean and the sample standard deviation (n − 1; 0 for one number) of the numeric metric over the
    /// finished cells that have it; nil if none.
    public var meanAndSD: (mean: Double, sd: Double)? {
        guard !numbers.isEmpty else { return nil }
        let mean = numbers.reduce(0, +) / Double(numbers.count)
        let ss = numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, numbers.count > 1 ? (ss / Double(numbers.count - 1)).squareRoot() : 0)
    }

    /// Equal aggregates (labels aside).
    public static func == (l: PhaseEntry, r: PhaseEntry) -> Bool {
        l.expected == r.expected && l.counts == r.counts && l.failed == r.failed && l.numbers == r.numbers && l.absent == r.absent
            && l.unclassified == r.unclassified
    }

    /// The terminal text: an outcome symbol (`D`), counts over seeds in the
    /// order of the outcomes, space-separated (`25D 16C 4w 19.`; failed `!` and
    /// not run yet `?` last: `6D 2?`), a number (median over seeds, `(n/N)` when the event happened in only
    /// `n` of `N`), `—` never happened, `!` failed, `?` not run yet.
    public func text(metric: SweepMetric) -> String {
        if present == 0 { return "?" }
        if metric == .outcome {
            if expected <= 1 { return counts.first.map { String($0.key.symbol) } ?? "!" }
            var parts = Outcome.allCases.compactMap { o in counts[o].map { (o.symbol, $0, o.order) } }
            if failed > 0 { parts.append(("!", failed, 99)) }
            if present < expected { parts.append(("?", expected - present, 100)) }
            return parts.map { "\($0.1)\($0.0)" }.joined(separator: " ")
        }
        if finished == 0 { return "!" }
        guard let med = median, let (mean, sd) = meanAndSD else { return "—" }
        var s = summary == .meanSD && expected > 1 ? "\(NumberFormat.short(mean)) ± \(NumberFormat.short(sd))" : NumberFormat.short(med)
        if expected > 1, numbers.count < expected { s += " (\(numbers.count)/\(expected))" }
        return s
    }
}

/// How a table entry summarises the numbers of a varied seed.
public enum PhaseSummary: Sendable {
    /// The median (GSL), as the synthetic sweeps print it.
    case median
    /// Mean ± sample standard deviation, as the image study reports it.
    case meanSD
}

extension Outcome {
    /// Position in `allCases` (stable tie-breaking and legends).
    package var order: Int { Outcome.allCases.firstIndex(of: self)! }
}

/// The phase-transition table of a sweep: the first non-seed axis down the
/// rows, the second across the columns, one page per value of any further
/// axes; over a varied seed the cells aggregate (outcome counts, metric medians).
public struct PhaseTable: Sendable {
    /// One table: its label (values of the page axes) and entries `[row][column]`.
    public struct Page: Sendable {
        /// `name=value` of each page axis (empty with at most two non-seed axes).
        public let label: [(name: String, value: SweepValue)]
        /// Entries by row, then column.
        public let entries: [[PhaseEntry]]
    }

    /// The tabulated metric.
    public let metric: SweepMetric
    /// The axis down the rows (nil when only the seed is varied).
    public let rowAxis: SweepAxis?
    /// The axis across the columns (nil with one non-seed axis).
    public let columnAxis: SweepAxis?
    /// The seed axis, when varied.
    public let seedAxis: SweepAxis?
    /// The pages.
    public let pages: [Page]

    /// Tabulates `result` by `metric`. Missing cells (other shards, not run yet) show as `?`.
    public init(_ result: SweepResult, metric: SweepMetric) {
        self.metric = metric
        let seed = result.seedAxis
        let others = result.axes.indices.filter { $0 != seed }
        let rowA = others.first, colA = others.dropFirst().first
        let pageAxes = Array(others.dropFirst(2))
        rowAxis = rowA.map { result.axes[$0] }
        columnAxis = colA.map { result.axes[$0] }
        seedAxis = seed.map { result.axes[$0] }
        let nRows = rowAxis?.values.count ?? 1, nCols = columnAxis?.values.count ?? 1
        let nPages = pageAxes.reduce(1) { $0 * result.axes[$1].values.count }
        let expectedSet = Set(result.expected)
        var blank = PhaseEntry()
        blank.summary = result.isImageSweep ? .meanSD : .median
        var grid = Array(repeating: Array(repeating: Array(repeating: blank, count: nCols), count: nRows), count: nPages)
        func page(of coords: [Int]) -> Int { pageAxes.reduce(0) { $0 * result.axes[$1].values.count + coords[$1] } }
        // Expected counts and labels come from the grid, so absent cells show.
        for i in 0..<result.total {
            let c = result.coordinates(of: i)
            let p = page(of: c), r = rowA.map { c[$0] } ?? 0, q = colA.map { c[$0] } ?? 0
            if grid[p][r][q].values.isEmpty {
                grid[p][r][q].values = others.map { (result.axes[$0].parameter.name, result.axes[$0].values[c[$0]]) }
            }
            if expectedSet.contains(i) { grid[p][r][q].expected += 1 }
        }
        for cell in result.cells {
            let c = result.coordinates(of: cell.index)
            let p = page(of: c), r = rowA.map { c[$0] } ?? 0, q = colA.map { c[$0] } ?? 0
            switch metric.value(in: cell) {
            case .outcome(let o)?: grid[p][r][q].counts[o, default: 0] += 1
            case .number(let x)?:
                if let o = cell.outcome { grid[p][r][q].counts[o, default: 0] += 1 } else { grid[p][r][q].unclassified += 1 }
                grid[p][r][q].numbers.append(x)
            case nil:
                if let o = cell.outcome { grid[p][r][q].counts[o, default: 0] += 1; grid[p][r][q].absent += 1 }
                else if cell.status == .finished { grid[p][r][q].unclassified += 1; grid[p][r][q].absent += 1 }
                else { grid[p][r][q].failed += 1 }
            }
        }
        pages = (0..<nPages).map { p in
            var rest = p
            var label: [(String, SweepValue)] = []
            for a in pageAxes.reversed() {
                let n = result.axes[a].values.count
                label.insert((result.axes[a].parameter.name, result.axes[a].values[rest % n]), at: 0)
                rest /= n
            }
            return Page(label: label, entries: grid[p])
        }
    }

    /// Every entry, page by page, row by row.
    public var entries: [PhaseEntry] { pages.flatMap { $0.entries.flatMap { $0 } } }
}
