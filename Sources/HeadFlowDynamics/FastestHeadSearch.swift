import RealModule
import HeadFlowNumerics
import HeadFlowModel

/// The search for the fastest head (docs/MODEL.md §5.2–5.3): for a start and a
/// horizon `t_end`, the head rate `η_E/η ∈ [lower, upper]` that minimises the
/// time `T(η_E/η)` at which an event fires — by default `learn_w2_v2`, neuron 2
/// learning the weak feature `v_2` (`|cos_{22}| ≥ 0.9`).
///
/// `T` is read off the population flow solved to `t_end` with the spec's own
/// integrator; an event that does not fire by `t_end` counts as `T = +∞` (the
/// weak feature is not learned inside the horizon). The search works in
/// `u = ln(η_E/η)`:
///
/// 1. a coarse scan of `scanPoints` log-spaced rates, both ends included;
/// 2. if the smallest finite `T` of the scan is at an end, there is no interior
///    optimum in the range (`FastestHead.Verdict.monotone`); if no `T` is finite, the
///    event never fires (`.never`);
/// 3. otherwise its two neighbours bracket a minimum (`T(m) < T(a), T(b)`); a
///    neighbour with `T = +∞` is replaced by bisection in `u` towards the
///    minimum until `T` is finite there; then GSL's Brent
///    (`BrentMinimizer`) narrows the bracket to `relativePrecision` in `η_E/η`.
///
/// Beside the search, two reference runs: the paper's default rate
/// `η_E/η = paperRatio` (docs/MODEL.md §2: `η = 1`, `η_E = 0.01`) and no head
/// (`--head none`, `E = I` frozen). A failed integration is never a time: it
/// makes the verdict `.failed`, with the rate and the time reached.
public struct FastestHeadSearch: Equatable, Sendable {
    /// The event whose time is minimised (a name `Trajectory.events` records).
    public var event: String
    /// The smallest `η_E/η` searched (> 0).
    public var lower: Double
    /// The largest `η_E/η` searched (> `lower`).
    public var upper: Double
    /// Rates in the coarse scan (≥ 3), log-spaced over `[lower, upper]`.
    public var scanPoints: Int
    /// Brent stops when its bracket in `η_E/η` is narrower than this fraction of the rate
    /// (`epsabs = ln(1 + relativePrecision)` in `u = ln(η_E/η)`).
    public var relativePrecision: Double

    /// The paper's default head rate, `η_E/η = 0.01` (docs/MODEL.md §2: `--eta` = 1, `--eta-e` = 0.01).
    public static let paperRatio = 0.01
    /// The event minimised by default: neuron 2 learns `v_2`.
    public static let defaultEvent = "learn_w2_v2"
    /// Bisections towards the scan's minimum allowed to find a finite `T` beside it.
    static let maximumRefinements = 40

    /// A search of `event` over `η_E/η ∈ [lower, upper]`: `scanPoints` rates, then Brent to `relativePrecision`.
    public init(event: String = FastestHeadSearch.defaultEvent, lower: Double = 1e-4, upper: Double = 1,
                scanPoints: Int = 9, relativePrecision: Double = 0.01) {
        self.event = event; self.lower = lower; self.upper = upper
        self.scanPoints = scanPoints; self.relativePrecision = relativePrecision
    }

    /// The scan's rates: `lower · (upper/lower)^{i/(n−1)}`, `i = 0 … n − 1`, both ends exact and the inner
    /// ones rounded to 12 significant digits — the values of `sweep --vary eta-e-ratio=LO:HI:log:n`, so a
    /// sweep reproduces the scan's times.
    public var scanRatios: [Double] {
        let points = SwitchSearch(scale: .log, integral: false, relativePrecision: relativePrecision)
            .scanPoints(lower, upper, count: scanPoints) { NumberFormat.decimalRounded($0) }
        // The ends as given (a sweep's range rounds them too; the same values for the decimals a user types).
        return [lower] + points.dropFirst().dropLast() + [upper]
    }

    /// Throws a `ParameterError` naming the first invalid setting: `between` (`0 < lower < upper`, finite),
    /// `scan` (3 … 1000), `rel-precision` ([1e-6, 0.5]), `event` (an event the runs of `spec` record), and
    /// `eta` when `η = 0` (the rate searched is `η_E/η`).
    public func validate(for spec: RunSpec) throws(ParameterError) {
        try require(spec.eta, "eta", "a finite η > 0 here (the rate searched is η_E/η)") { $0 > 0 }
        guard lower.isFinite, upper.isFinite, lower > 0, lower < upper else {
            throw ParameterError("between", must: "LO,HI with 0 < LO < HI (rates η_E/η)", got: "\(lower),\(upper)")
        }
        try require(scanPoints, "scan", "an integer in [3, 1000]") { $0 >= 3 && $0 <= 1000 }
        try require(relativePrecision, "rel-precision", "in [1e-6, 0.5]") { $0 >= 1e-6 && $0 <= 0.5 }
        let names = Self.eventNames(for: spec)
        guard names.contains(event) else {
            throw ParameterError("event", must: "one of " + names.joined(separator: ", "), got: "\"\(event)\"")
        }
    }

    /// The events a run of `spec` records (`learn_w{j}_v{ℓ}`, `substitution…`), in the solver's order.
    public static func eventNames(for spec: RunSpec) -> [String] {
        EventMonitor(features: spec.alpha.count, neurons: spec.neurons).records.map(\.name)
    }

    /// Runs the search from `base` (every parameter but `η_E`, which the search sets to
    /// `(η_E/η)·η`). The scan and the two reference runs are solved on `threads`
    /// threads (`WorkerPool`), Brent's runs one after the other; the result does not
    /// depend on `threads`. Throws only for invalid input.
    public func run(_ base: RunSpec, threads: Int = 1) throws(ParameterError) -> FastestHead {
        try validate(for: base)
        let ratios = scanRatios
        var specs = ratios.map { rate(base, $0) }
        specs.append(rate(base, Self.paperRatio))
        specs.append(base.with { $0.head = .none })
        var problems: [(PopulationProblem, IntegratorSettings, SampleTimes)] = []
        for s in specs { problems.append((try s.problem(), s.settings, s.sampling)) }
        let event = self.event
        let times = WorkerPool.map(problems, threads: threads) { job in
            EventTime(PopulationSolver(settings: job.1).solve(job.0, saveat: job.2, keep: .endpoints), event: event)
        }
        let scan = zip(ratios, times).map { FastestHead.Point(ratio: $0, time: $1.time) }
        var result = FastestHead(search: self, scan: scan, verdict: .never, optimum: nil, bracket: nil,
                                 paperDefault: FastestHead.Point(ratio: Self.paperRatio, time: times[ratios.count].time),
                                 noHeadTime: times[ratios.count + 1].time, runs: specs.count, iterations: 0)
        let labels = (ratios + [Self.paperRatio]).map { "η_E/η = \($0)" } + ["no head"]
        let failures = zip(labels, times).compactMap { label, t in t.failure.map { "\(label): \($0)" } }
        if !failures.isEmpty { result.verdict = .failed(failures.joined(separator: "; ")); return result }
        guard let best = scan.indices.filter({ scan[$0].time != nil }).min(by: { scan[$0].time! < scan[$1].time! }) else {
            return result
        }
        if best == 0 || best == scan.count - 1 {
            result.verdict = .monotone(best == 0 ? .lower : .upper)
            result.optimum = scan[best]
            return result
        }
        var objective = Objective(base: base, event: event)
        do throws(FastestHeadFailure) {
            let found = try minimize(&objective, around: best, of: scan)
            result.optimum = FastestHead.Point(ratio: Double.exp(found.x), time: found.value)
            result.bracket = (Double.exp(found.lower), Double.exp(found.upper))
            result.iterations = found.iterations
            result.verdict = .interior
        } catch {
            result.verdict = .failed(error.text)
        }
        result.runs += objective.runs
        return result
    }

    /// The bracket `(u_{i−1}, u_i, u_{i+1})` of the scan's minimum `i`, with any `+∞` end moved towards `u_i`,
    /// then Brent in `u = ln(η_E/η)`.
    private func minimize(_ objective: inout Objective, around i: Int, of scan: [FastestHead.Point]) throws(FastestHeadFailure) -> BrentMinimum {
        func value(_ p: FastestHead.Point) -> Double { p.time ?? .infinity }
        var a = (Double.log(scan[i - 1].ratio), value(scan[i - 1]))
        var m = (Double.log(scan[i].ratio), value(scan[i]))
        var b = (Double.log(scan[i + 1].ratio), value(scan[i + 1]))
        for side in [0, 1] {
            var steps = 0
            while !(side == 0 ? a : b).1.isFinite {
                guard steps < Self.maximumRefinements else {
                    throw FastestHeadFailure("the event never fires just \(side == 0 ? "below" : "above") η_E/η = \(Double.exp(m.0)), "
                                             + "the best rate of the scan, after \(steps) bisections")
                }
                steps += 1
                let u = 0.5 * ((side == 0 ? a : b).0 + m.0)
                let c = (u, objective.time(u))
                if let f = objective.failure { throw f }
                if c.1 > m.1 {
                    if side == 0 { a = c } else { b = c }
                } else if c.1.isFinite {
                    // c is better than m: it becomes the middle, m the end on the other side.
                    if side == 0 { b = m } else { a = m }
                    m = c
                } else if side == 0 { a = c } else { b = c }
            }
        }
        let brent = BrentMinimizer(absoluteTolerance: Double.log(1 + relativePrecision), relativeTolerance: 0, maxIterations: 200)
        do throws(MinimizationFailure) {
            return try brent.minimize(lower: a.0, guess: m.0, upper: b.0, values: (a.1, m.1, b.1)) { objective.time($0) }
        } catch {
            if let f = objective.failure { throw f }
            if case .nonFinite(let u, let t) = error, t == .infinity {
                throw FastestHeadFailure("the event never fires at η_E/η = \(Double.exp(u)), inside the bracket "
                                         + "[\(Double.exp(a.0)), \(Double.exp(b.0))] of the scan's minimum (T is not unimodal there)")
            }
            throw FastestHeadFailure("Brent in ln(η_E/η) on [\(Double.exp(a.0)), \(Double.exp(b.0))]: \(error)")
        }
    }

    /// `base` at head rate `η_E = ratio · η`.
    private func rate(_ base: RunSpec, _ ratio: Double) -> RunSpec { base.with { $0.etaE = ratio * $0.eta } }

    /// `T(u)`, `u = ln(η_E/η)`: one solve of the flow per call, counted; `+∞` when the event does not fire,
    /// NaN (and `failure` set) when the integration failed before it fired.
    private struct Objective {
        let base: RunSpec
        let event: String
        var runs = 0
        var failure: FastestHeadFailure?

        mutating func time(_ u: Double) -> Double {
            runs += 1
            let spec = base.with { $0.etaE = Double.exp(u) * $0.eta }
            let problem: PopulationProblem
            do { problem = try spec.problem() } catch { return fail("η_E/η = \(Double.exp(u)): \(error)") }
            let t = EventTime(PopulationSolver(settings: spec.settings).solve(problem, saveat: spec.sampling, keep: .endpoints),
                              event: event)
            if let f = t.failure { return fail("η_E/η = \(Double.exp(u)): \(f)") }
            return t.time ?? .infinity
        }

        private mutating func fail(_ text: String) -> Double {
            failure = failure ?? FastestHeadFailure(text)
            return .nan
        }
    }
}

/// The time of an event on one solve: located (a time), not fired by `t_end` (`time == nil`, no failure),
/// or unknown because the integration failed before it fired (`failure`).
struct EventTime: Sendable {
    let time: Double?
    let failure: IntegrationFailure?

    init(_ trajectory: Trajectory, event: String) {
        time = trajectory.time(of: event)
        if case .failed(let f) = trajectory.status, time == nil { failure = f } else { failure = nil }
    }
}

/// Why the Brent stage of a search stopped, in words with the rates involved.
struct FastestHeadFailure: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
