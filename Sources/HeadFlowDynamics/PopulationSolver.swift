import HeadFlowNumerics

/// Solves a `PopulationProblem` with GSL `odeiv2` (adaptive, error-controlled):
/// the *solver* of the problem / solver / solution split. `solve` takes the
/// recording times and the events; the integrator settings are the solver's.
public struct PopulationSolver: Sendable {
    /// Stepper, tolerances and limits.
    public var settings: IntegratorSettings
    /// Relative time precision of located events (bisection).
    public var eventTolerance: Double

    /// A solver with the given integrator settings; events located to 1e-6 relative.
    public init(settings: IntegratorSettings = IntegratorSettings(), eventTolerance: Double = 1e-6) {
        self.settings = settings
        self.eventTolerance = eventTolerance
    }

    /// Integrates `problem` from 0 to `t_end`, recording a sample at each time
    /// of `saveat` and watching `events` at every accepted step. With
    /// `settings.stops == .none` (the default) the steps do not depend on `saveat`
    /// (SciML's `saveat`, not `tstops`): the integrator steps towards `t_end` and
    /// lands on it, and a recording time inside an accepted step gets the state
    /// there by re-integration from the step's start, as an event's state does. So
    /// events, peaks and the final state are the same for any recording times. With
    /// `.samples` every recording time is a step's end too (`tstops = saveat`). With
    /// `keep: .endpoints` only the first and last samples are kept (and, with
    /// `.none`, no interior state is computed). With `saveEvents`, the state
    /// at each located event time and at the time of each off-diagonal head peak
    /// is recorded as a sample too (in time order). Never throws: a numerical
    /// failure is returned as `status = .failed(…)` with the samples recorded
    /// before it. Call `problem.validate()` first for input you did not build.
    public func solve(_ problem: PopulationProblem, saveat: SampleTimes = .logarithmic(points: 400),
                      events: EventSet = .standard, keep: SampleKeeping = .all, saveEvents: Bool = false) -> Trajectory {
        let evaluator = problem.field.makeEvaluator(neurons: problem.neurons)
        let layout = evaluator.layout
        let field = evaluator.vectorField
        var integrator = ODEIntegrator(dimension: layout.count, settings: settings, field: field)
        var switchedSteps = 0, switchedEvaluations = 0
        var monitor = EventMonitor(layout: layout, events: events)
        var samples: [TrajectorySample] = []
        // Unless they stop at the recording times, the steps do not depend on them, so keeping
        // the endpoints needs only those two.
        let stopAtSamples = settings.stops == .samples
        let times = keep == .endpoints && !stopAtSamples ? [0, problem.tEnd] : saveat.times(tEnd: problem.tEnd)
        var y = problem.field.initialState(problem.start)
        var y0 = y
        var t = 0.0
        var status = SolveStatus.success
        var eventStates: [(Double, [Double])] = []
        var peakStates: [[Double]?] = Array(repeating: nil, count: layout.neurons * layout.neurons)

        func record(_ t: Double, _ y: [Double], last: Bool) {
            guard keep == .all || samples.isEmpty || last else { return }
            samples.append(evaluator.sample(time: t, y))
        }

        do throws(IntegrationFailure) {
            guard evaluator.loss(y).isFinite, y.allSatisfy(\.isFinite) else { throw .nonFinite(time: 0) }
            try monitor.start(y, time: 0)
            record(0, y, last: times.count == 1)
            let tEnd = times[times.count - 1]
            var next = 1  // the next recording time
            while next < times.count {
                if settings.stepper == .auto, switchedSteps == 0, integrator.steps >= settings.stiffAfter {
                    // A stiff tail: continue from the current state with BDF.
                    switchedSteps = integrator.steps; switchedEvaluations = integrator.evaluations
                    var tail = settings.with(stepper: .msbdf)
                    tail.maxSteps = max(1, settings.maxSteps - switchedSteps)
                    tail.initialStep = integrator.stepSize
                    integrator = ODEIntegrator(dimension: layout.count, settings: tail, field: field)
                }
                // The step's start, copied into a buffer of its own (no allocation per step);
                // the closures below capture this step's integrator as a constant.
                let (t0, stepper) = (t, integrator)
                for i in y.indices { y0[i] = y[i] }
                try stepper.step(t: &t, to: stopAtSamples ? times[next] : tEnd, y: &y)
                let before = saveEvents ? monitor.records.map(\.time) : []
                let peaksBefore = saveEvents ? monitor.peaks : []
                try monitor.step(from: t0, y0, to: t, y, tolerance: eventTolerance) { tau throws(IntegrationFailure) in
                    tau == t ? y : try stepper.advance(from: t0, y0, to: tau)
                }
                if saveEvents {
                    for (old, new) in zip(before, monitor.records.map(\.time)) where old == nil {
                        guard let tau = new else { continue }
                        eventStates.append((tau, tau == t ? y : try stepper.advance(from: t0, y0, to: tau)))
                    }
                    for (i, (p0, p1)) in zip(peaksBefore.joined(), monitor.peaks.joined()).enumerated() where p0 != p1 {
                        if p1?.time == t { peakStates[i] = y }
                    }
                }
                // The recording times this step passed: their states by one re-integration from the step's start.
                var passed = next
                while passed < times.count, times[passed] <= t { passed += 1 }
                if passed > next {
                    // times[next..<inside] lie inside the step; a last one equal to t is its end.
                    let inside = times[passed - 1] == t ? passed - 1 : passed
                    if inside > next {
                        let states = try stepper.advance(from: t0, y0, through: Array(times[next..<inside]))
                        for (tau, state) in zip(times[next..<inside], states) { record(tau, state, last: false) }
                    }
                    if inside < passed { record(t, y, last: passed == times.count) }
                    next = passed
                }
            }
        } catch {
            status = .failed(error)
        }
        if saveEvents {
            let m = layout.neurons
            for (i, state) in peakStates.enumerated() {
                if let state, let p = monitor.peaks[i / m][i % m] { eventStates.append((p.time, state)) }
            }
            samples = Self.merged(samples, eventStates.map { evaluator.sample(time: $0.0, $0.1) })
        }
        return Trajectory(samples: samples, events: monitor.records, peaks: monitor.peaks, status: status,
                          steps: switchedSteps + integrator.steps, evaluations: switchedEvaluations + integrator.evaluations)
    }
}

extension PopulationSolver {
    /// `samples` with `extra` inserted in time order; an extra sample at a time already recorded is dropped.
    static func merged(_ samples: [TrajectorySample], _ extra: [TrajectorySample]) -> [TrajectorySample] {
        var out = samples
        let times = Set(samples.map(\.time))
        var seen = Set<Double>()
        for e in extra where !times.contains(e.time) && seen.insert(e.time).inserted { out.append(e) }
        return out.sorted { $0.time < $1.time }
    }
}

/// Which recorded samples a solve keeps.
public enum SampleKeeping: Sendable {
    /// Every sample at the recording times.
    case all
    /// Only the first and the last (the steps are the same as with `.all`).
    case endpoints
}
