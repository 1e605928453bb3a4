import HeadFlowNumerics
import HeadFlowDynamics

/// One run integrated piece by piece: each piece starts from the last state
/// (the sample at the previous piece's end), so the pieces make one trajectory.
struct FlowCursor: Sendable {
    /// The problem of the next piece (its start is the state reached).
    var problem: PopulationProblem
    /// The integrator settings of the spec.
    let settings: IntegratorSettings
    /// Time integrated so far.
    private(set) var elapsed = 0.0
    /// A label for failures.
    let label: String

    /// A cursor at `t = 0` of `spec` (validated).
    init(_ spec: RunSpec) throws(ParameterError) {
        problem = try spec.problem()
        settings = spec.settings
        label = "seed \(spec.seed), d = \(spec.d), head \(spec.head.rawValue)"
    }

    /// Integrates `length` more; returns the absolute time `find` reports in
    /// this piece, nil when it reports nothing, or the failure.
    mutating func advance(_ length: Double, find: (Trajectory) -> Double?) -> Result<Double?, ClaimRunFailure> {
        problem.tEnd = length
        let trajectory = PopulationSolver(settings: settings).solve(problem, saveat: .linear(points: 2))
        if let f = ClaimFlow.failure(trajectory, "\(label), t from \(elapsed)") { return .failure(ClaimRunFailure(f)) }
        if let hit = find(trajectory) { return .success(elapsed + hit) }
        elapsed += length
        problem.start = trajectory.final.state
        return .success(nil)
    }
}
