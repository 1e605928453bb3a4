import HeadFlowNumerics

/// Where a trajectory is recorded. `t = 0` is always recorded first and
/// `t_end` last.
public enum SampleTimes: Equatable, Sendable {
    /// `t = 0`, then `points − 1` times log-spaced from `first` (default
    /// `t_end·1e-4`) to `t_end`.
    case logarithmic(points: Int, first: Double? = nil)
    /// `points` times evenly spaced on `[0, t_end]`.
    case linear(points: Int)
    /// Exactly these times (sorted, in `(0, t_end]`), after `t = 0`.
    case explicit([Double])
    /// Only `t = 0` and `t_end` (a sweep cell reads the end state, the events and the peaks).
    case endpoints

    /// Throws when the count is below 2 or a time is not positive and finite.
    public func validate() throws(ParameterError) {
        switch self {
        case .logarithmic(let n, let first):
            try require(n, "points", "an integer ≥ 2", { $0 >= 2 })
            if let f = first { try require(f, "t-first", "a finite time > 0", { $0 > 0 }) }
        case .linear(let n):
            try require(n, "points", "an integer ≥ 2", { $0 >= 2 })
        case .endpoints: break
        case .explicit(let ts):
            guard ts.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ParameterError("times", must: "finite times > 0", got: "\(ts)")
            }
        }
    }

    /// The recording times for a run ending at `tEnd` (strictly increasing, starting at 0).
    public func times(tEnd: Double) -> [Double] {
        var ts: [Double]
        switch self {
        case .logarithmic(let n, let first):
            let t0 = min(first ?? tEnd * 1e-4, tEnd)
            let ratio = n > 2 ? (tEnd / t0) : 1
            ts = [0] + (0..<(n - 1)).map { i in
                n == 2 ? tEnd : t0 * Double.pow(ratio, Double(i) / Double(n - 2))
            }
            ts[ts.count - 1] = tEnd
        case .linear(let n):
            ts = (0..<n).map { tEnd * Double($0) / Double(n - 1) }
        case .explicit(let list):
            ts = [0] + list.filter { $0 <= tEnd }.sorted()
            if ts.last != tEnd { ts.append(tEnd) }
        case .endpoints:
            ts = [0, tEnd]
        }
        var unique: [Double] = []
        for t in ts where unique.last.map({ t > $0 }) ?? true { unique.append(t) }
        return unique
    }
}
