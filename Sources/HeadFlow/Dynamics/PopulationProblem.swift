import RealModule

/// The population gradient flow as a *problem*: the mathematics only
/// (MODEL.md §2–4). The integrator and its tolerances are chosen at `solve`.
///
/// `dW/dt = −η ∂L/∂W`, `dE/dt = −η_E ∂L/∂E` on the head's trainable entries,
/// written on the reduced state `[A; R]` and `E`.
public struct PopulationProblem: Sendable {
    /// The data distribution.
    public var model: DataModel
    /// The head variant (which entries of `E` train).
    public var head: HeadKind
    /// The start `(A(0), R(0), E(0))`.
    public var start: ReducedState
    /// Encoder rate `η`.
    public var eta: Double
    /// Head rate `η_E` (the paper: `η_E ≪ η`).
    public var etaE: Double
    /// End time `t_end`.
    public var tEnd: Double
    /// Where the trajectory is recorded.
    public var sampling: SampleTimes

    /// A problem; see the properties. Call `validate()` before solving input you did not build.
    public init(model: DataModel, head: HeadKind, start: ReducedState, eta: Double = 1, etaE: Double = 0.01,
                tEnd: Double = 2e4, sampling: SampleTimes = .logarithmic(points: 400)) {
        self.model = model; self.head = head; self.start = start
        self.eta = eta; self.etaE = etaE; self.tEnd = tEnd; self.sampling = sampling
    }

    /// Neurons `m`.
    public var neurons: Int { start.neurons }

    /// Throws a `ParameterError` naming the first invalid parameter.
    public func validate() throws(ParameterError) {
        try model.validate()
        try start.validate(for: model)
        try require(eta, "eta", "a finite η ≥ 0", { $0 >= 0 })
        try require(etaE, "eta-e", "a finite η_E ≥ 0", { $0 >= 0 })
        try require(tEnd, "t-end", "a finite time > 0", { $0 > 0 })
        try sampling.validate()
    }
}

extension ReducedState {
    /// Throws a `ParameterError` when this start does not fit `model` (k rows of
    /// `A`, at least one neuron) or is not finite. Shared by every problem type.
    public func validate(for model: DataModel) throws(ParameterError) {
        try require(neurons, "neurons", "an integer ≥ 1", { $0 >= 1 })
        guard features == model.featureCount else {
            throw ParameterError("init-a", must: "a k×m matrix with k = \(model.featureCount) rows (one per --alpha)", got: "\(features) rows")
        }
        guard a.isFinite else { throw ParameterError("init-a", must: "finite numbers", got: "\(a.storage)") }
        guard r.isFinite else { throw ParameterError("init-b", must: "finite numbers", got: "\(b.storage)") }
        guard e.isFinite else { throw ParameterError("head", must: "a finite start E(0)", got: "\(e.storage)") }
    }
}

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

    /// Throws when the count is below 2 or a time is not positive and finite.
    public func validate() throws(ParameterError) {
        switch self {
        case .logarithmic(let n, let first):
            try require(n, "points", "an integer ≥ 2", { $0 >= 2 })
            if let f = first { try require(f, "t-first", "a finite time > 0", { $0 > 0 }) }
        case .linear(let n):
            try require(n, "points", "an integer ≥ 2", { $0 >= 2 })
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
        }
        var unique: [Double] = []
        for t in ts where unique.last.map({ t > $0 }) ?? true { unique.append(t) }
        return unique
    }
}
