/// Solves a `PopulationProblem` with GSL `odeiv2` (adaptive, error-controlled),
/// recording the trajectory at the problem's sample times and watching events
/// at every accepted step.
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

    /// Integrates `problem` from 0 to `t_end`. Never throws: a numerical failure
    /// is returned as `status = .failed(…)` with the samples recorded before it.
    /// Call `problem.validate()` first for input you did not build.
    public func solve(_ problem: PopulationProblem) -> Trajectory {
        let k = problem.model.featureCount, m = problem.neurons
        let objective = PopulationObjective(model: problem.model, neurons: m)
        let mask = problem.head.trainableMask(neurons: m).storage
        let eta = problem.eta, etaE = problem.etaE
        let field: VectorField = { _, y, dy in
            mask.withUnsafeBufferPointer { objective.velocity(y, into: dy, eta: eta, etaE: etaE, mask: $0) }
        }
        let dimension = ReducedState.flatCount(features: k, neurons: m)
        var integrator = ODEIntegrator(dimension: dimension, settings: settings, field: field)
        var switchedSteps = 0, switchedEvaluations = 0
        var monitor = EventMonitor(features: k, neurons: m)
        var samples: [TrajectorySample] = []
        let times = problem.sampling.times(tEnd: problem.tEnd)
        var y = problem.start.flat
        var t = 0.0
        var status = SolveStatus.success

        func record(_ t: Double, _ y: [Double]) {
            let state = ReducedState(flat: y, features: k, neurons: m)
            let ev = objective.evaluate(online: state)
            samples.append(TrajectorySample(time: t, state: state, correlations: ev.correlations, loss: ev.loss))
        }

        do throws(IntegrationFailure) {
            let initial = objective.evaluate(online: problem.start)
            guard initial.loss.isFinite, y.allSatisfy(\.isFinite) else { throw .nonFinite(time: 0) }
            try monitor.start(y, time: 0)
            record(0, y)
            for target in times.dropFirst() {
                while t < target {
                    if settings.stepper == .auto, switchedSteps == 0, integrator.steps >= settings.stiffAfter {
                        // A stiff tail: continue from the current state with BDF.
                        switchedSteps = integrator.steps; switchedEvaluations = integrator.evaluations
                        var next = settings.with(stepper: .msbdf)
                        next.maxSteps = max(1, settings.maxSteps - switchedSteps)
                        next.initialStep = integrator.stepSize
                        integrator = ODEIntegrator(dimension: dimension, settings: next, field: field)
                    }
                    let (t0, y0) = (t, y)
                    try integrator.step(t: &t, to: target, y: &y)
                    try monitor.step(from: t0, y0, to: t, y, tolerance: eventTolerance) { tau throws(IntegrationFailure) in
                        tau == t ? y : try integrator.advance(from: t0, y0, to: tau)
                    }
                }
                record(t, y)
            }
        } catch {
            status = .failed(error)
        }
        return Trajectory(samples: samples, events: monitor.records, peaks: monitor.peaks, status: status,
                          steps: switchedSteps + integrator.steps, evaluations: switchedEvaluations + integrator.evaluations)
    }
}

extension PopulationProblem {
    /// Solves with GSL `odeiv2` under `settings` (see `PopulationSolver`).
    public func solve(with settings: IntegratorSettings = IntegratorSettings()) -> Trajectory {
        PopulationSolver(settings: settings).solve(self)
    }
}
