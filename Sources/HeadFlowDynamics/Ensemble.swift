import Synchronization
import HeadFlowNumerics

/// Many independent runs of the population flow — seeds, widths, grid points —
/// solved on up to `jobs` threads, results in input order (so they never
/// depend on scheduling). The one loop that claims, the features table and
/// other ensembles share; each run is `spec.problem()` solved under
/// `spec.settings` at `spec.sampling`.
public enum Ensemble {
    /// Solves every spec. Every spec is validated before any is solved (a
    /// `ParameterError` names the first invalid one); a numerical failure is
    /// that trajectory's status. `keep: .endpoints` keeps only the first and
    /// last samples (events and peaks unchanged). `progress(done, total)` is
    /// called as runs finish (from worker threads).
    public static func solve(_ specs: [RunSpec], jobs: Int = WorkerPool.coreCount, keep: SampleKeeping = .all,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws(ParameterError) -> [Trajectory] {
        var jobsList: [(PopulationProblem, IntegratorSettings, SampleTimes)] = []
        for s in specs { jobsList.append((try s.problem(), s.settings, s.sampling)) }
        let done = Atomic<Int>(0)
        let total = specs.count
        return WorkerPool.map(jobsList, threads: jobs) { job in
            defer { progress?(done.wrappingAdd(1, ordering: .relaxed).newValue, total) }
            return PopulationSolver(settings: job.1).solve(job.0, saveat: job.2, keep: keep)
        }
    }
}

extension Trajectory {
    /// Distinct features some neuron is on at the last sample (`|cos_{ℓj}| ≥ 0.9`).
    public var featuresLearned: Int { Outcome.learnedFeatureCount(cosines: final.cosines) }
}
