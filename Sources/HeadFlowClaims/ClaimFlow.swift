import HeadFlowNumerics
import HeadFlowDynamics

/// How claims run the population flow: solve a preset, read events and states
/// off the `Trajectory`, continue a run until an event. The only place claims
/// touch the solver; every helper reports an integration failure as text for
/// `ClaimMeasurement.failures` instead of hiding it.
enum ClaimFlow {
    /// Solves `spec` with its own integrator settings; `sampling` replaces the
    /// spec's log-spaced samples (dense samples for a maximum over a window).
    static func solve(_ spec: RunSpec, sampling: SampleTimes? = nil, events: EventSet = .standard) throws(ParameterError) -> Trajectory {
        PopulationSolver(settings: spec.settings).solve(try spec.problem(), saveat: sampling ?? spec.sampling, events: events)
    }

    /// Solves independent presets on both cores (`WorkerPool.map`), results in
    /// input order. Every preset is validated first.
    static func solveAll(_ specs: [RunSpec]) throws(ParameterError) -> [Trajectory] {
        try Ensemble.solve(specs)
    }

    /// The failure of `trajectory` as one line (`label: integration failed at t = …`), nil on success.
    static func failure(_ trajectory: Trajectory, _ label: String) -> String? {
        if case .failed(let f) = trajectory.status { return "\(label): \(f)" }
        return nil
    }

    /// The time `learn_w{j}_v{ℓ}` (1-based `j`, `ℓ`), nil when it did not happen.
    static func learnTime(_ trajectory: Trajectory, neuron j: Int, feature l: Int) -> Double? {
        trajectory.time(of: "learn_w\(j)_v\(l)")
    }

    /// The first time any neuron learns `v_ℓ` (`|cos_{ℓj}| ≥ 0.9`), and which
    /// (1-based); docs/MODEL.md §5 calls it "neuron 1" for `ℓ = 1`.
    static func firstLearning(_ trajectory: Trajectory, feature l: Int, neurons m: Int) -> (neuron: Int, time: Double)? {
        var best: (neuron: Int, time: Double)?
        for j in 1...m {
            if let t = learnTime(trajectory, neuron: j, feature: l), best.map({ t < $0.time }) ?? true { best = (j, t) }
        }
        return best
    }

    /// The state at time `t` (a solve of `spec` stopped at `t`), or a failure.
    static func state(_ spec: RunSpec, at t: Double) throws(ParameterError) -> Result<TrajectorySample, ClaimRunFailure> {
        var s = spec
        s.tEnd = t
        let trajectory = try solve(s, sampling: .explicit([t]))
        if let f = failure(trajectory, "state at t = \(t)") { return .failure(ClaimRunFailure(f)) }
        return .success(trajectory.final)
    }

    /// The first time `find` reports on a run of `spec`, integrating in pieces
    /// (first `spec.tEnd`, then each piece a quarter of the time elapsed so
    /// far, each started from the last state) until it reports or `horizon` is
    /// reached. Stops within 25% of the event time after it, so a long horizon
    /// costs nothing unless it is needed (once a feature is learned the flow
    /// is stiff and explicit steps stay short). `find` gets one piece and
    /// returns a time within it (from the piece's start).
    static func firstTime(_ spec: RunSpec, horizon: Double,
                          find: (Trajectory) -> Double?) throws(ParameterError) -> Result<Double?, ClaimRunFailure> {
        var cursor = try FlowCursor(spec)
        var piece = min(spec.tEnd, horizon)
        while cursor.elapsed < horizon {
            switch cursor.advance(piece, find: find) {
            case .failure(let f): return .failure(f)
            case .success(let t?): return .success(t)
            case .success(nil): piece = min(0.25 * cursor.elapsed, horizon - cursor.elapsed)
            }
        }
        return .success(nil)
    }

    /// First times of `find` on independent runs, advanced together in the
    /// pieces of `firstTime` (each round on both cores) until `quorum` runs
    /// have reported or `horizon` is reached. The runs that have not reported
    /// are *censored*: their time exceeds `censoredAt`, which is at least every
    /// reported time — so the `quorum` smallest times are exact (a median over
    /// `n` runs needs `quorum = n/2 + 1`).
    static func firstTimes(_ specs: [RunSpec], horizon: Double, quorum: Int,
                           find: @escaping @Sendable (Trajectory) -> Double?) throws(ParameterError)
        -> (times: [Double?], censoredAt: Double, failures: [String]) {
        var cursors: [FlowCursor] = []
        for s in specs { cursors.append(try FlowCursor(s)) }
        var times = [Double?](repeating: nil, count: specs.count)
        var open = Array(specs.indices), failures: [String] = []
        var elapsed = 0.0, piece = min(specs.first?.tEnd ?? horizon, horizon)
        while elapsed < horizon, !open.isEmpty, specs.count - open.count < quorum {
            let length = piece
            let advanced = WorkerPool.map(open.map { cursors[$0] }) { c -> (FlowCursor, Result<Double?, ClaimRunFailure>) in
                var c = c
                let r = c.advance(length, find: find)
                return (c, r)
            }
            var still: [Int] = []
            for (i, (c, r)) in zip(open, advanced) {
                cursors[i] = c
                switch r {
                case .success(let t?): times[i] = t
                case .success(nil): still.append(i)
                case .failure(let f): failures.append(f.text)
                }
            }
            open = still
            elapsed += length
            piece = min(0.25 * elapsed, horizon - elapsed)
        }
        return (times, elapsed, failures)
    }

    /// `max |a_{ℓj}(t)| / |a_{ℓj}(0)|` over the samples with `t ≤ until` (0-based `ℓ`, `j`).
    static func maxGrowth(_ trajectory: Trajectory, feature l: Int, neuron j: Int, until: Double) -> Double {
        let a0 = abs(trajectory.samples[0].a[l, j])
        let peak = trajectory.samples.lazy.filter { $0.time <= until }.map { abs($0.a[l, j]) }.max() ?? .nan
        return peak / a0
    }
}

/// An integration failure met by a claim, as one line of text.
struct ClaimRunFailure: Error, Sendable {
    /// `label: integration failed at t = …`.
    let text: String
    init(_ text: String) { self.text = text }
}
