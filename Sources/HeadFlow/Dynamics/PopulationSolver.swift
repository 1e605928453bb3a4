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
    /// of `saveat` (the integrator stops exactly there) and watching `events`
    /// at every accepted step. With `keep: .endpoints` only the first and last
    /// samples are kept (the step sequence, events and peaks are unchanged).
    /// Never throws: a numerical failure is returned as `status = .failed(…)`
    /// with the samples recorded before it. Call `problem.validate()` first for
    /// input you did not build.
    public func solve(_ problem: PopulationProblem, saveat: SampleTimes = .logarithmic(points: 400),
                      events: EventSet = .standard, keep: SampleKeeping = .all) -> Trajectory {
        let evaluator = problem.field.makeEvaluator(neurons: problem.neurons)
        let layout = evaluator.layout
        let field: VectorField = { _, y, dy in evaluator.velocity(y, into: dy) }
        var integrator = ODEIntegrator(dimension: layout.count, settings: settings, field: field)
        var switchedSteps = 0, switchedEvaluations = 0
        var monitor = EventMonitor(layout: layout, events: events)
        var samples: [TrajectorySample] = []
        let times = saveat.times(tEnd: problem.tEnd)
        var y = problem.field.initialState(problem.start)
        var t = 0.0
        var status = SolveStatus.success

        func record(_ t: Double, _ y: [Double], last: Bool) {
            guard keep == .all || samples.isEmpty || last else { return }
            samples.append(evaluator.sample(time: t, y))
        }

        do throws(IntegrationFailure) {
            guard evaluator.loss(y).isFinite, y.allSatisfy(\.isFinite) else { throw .nonFinite(time: 0) }
            try monitor.start(y, time: 0)
            record(0, y, last: times.count == 1)
            for (n, target) in times.enumerated().dropFirst() {
                while t < target {
                    if settings.stepper == .auto, switchedSteps == 0, integrator.steps >= settings.stiffAfter {
                        // A stiff tail: continue from the current state with BDF.
                        switchedSteps = integrator.steps; switchedEvaluations = integrator.evaluations
                        var next = settings.with(stepper: .msbdf)
                        next.maxSteps = max(1, settings.maxSteps - switchedSteps)
                        next.initialStep = integrator.stepSize
                        integrator = ODEIntegrator(dimension: layout.count, settings: next, field: field)
                    }
                    let (t0, y0) = (t, y)
                    try integrator.step(t: &t, to: target, y: &y)
                    try monitor.step(from: t0, y0, to: t, y, tolerance: eventTolerance) { tau throws(IntegrationFailure) in
                        tau == t ? y : try integrator.advance(from: t0, y0, to: tau)
                    }
                }
                record(t, y, last: n == times.count - 1)
            }
        } catch {
            status = .failed(error)
        }
        return Trajectory(samples: samples, events: monitor.records, peaks: monitor.peaks, status: status,
                          steps: switchedSteps + integrator.steps, evaluations: switchedEvaluations + integrator.evaluations)
    }
}

/// Which recorded samples a solve keeps.
public enum SampleKeeping: Sendable {
    /// Every sample at the recording times.
    case all
    /// Only the first and the last (the integrator still stops at every recording time).
    case endpoints
}
