import HeadFlowNumerics
import HeadFlowDynamics

/// Renders an SGD run as JSON, CSV or a terminal table, in the shape of
/// `RunReport` (so one tool reads both) plus `norms`.
public struct TrainReport {
    /// Every parameter of the run.
    public let spec: TrainSpec
    /// The problem as solved.
    public let problem: TrainingProblem
    /// The solution.
    public let trajectory: Trajectory
    /// Wall-clock seconds of the solve, if measured.
    public let seconds: Double?

    /// A report of `trajectory`, solved from `problem` built from `spec`.
    public init(spec: TrainSpec, problem: TrainingProblem, trajectory: Trajectory, seconds: Double? = nil) {
        self.spec = spec; self.problem = problem; self.trajectory = trajectory; self.seconds = seconds
    }

    /// `‖w_j‖` at the start, at the end, their maximum over the samples, and the
    /// inflation `‖w_j(t_end)‖ / ‖w_j(0)‖`.
    public var norms: (initial: [Double], final: [Double], max: [Double], inflation: [Double]) {
        let first = trajectory.samples[0].norms, last = trajectory.final.norms
        var top = first
        for s in trajectory.samples { for (j, x) in s.norms.enumerated() { top[j] = Swift.max(top[j], x) } }
        return (first, last, top, zip(last, first).map { $0 / $1 })
    }

    // MARK: - JSON

    /// `{parameters, trajectory, events, peak_offdiag, final, solver, norms}`;
    /// the first six as in `headflow run`.
    public var json: JSONValue {
        let n = norms
        var statusText = "success"
        if case .failed(let f) = trajectory.status { statusText = "\(f)" }
        var solver: [(String, JSONValue)] = [("status", .string(statusText)), ("method", .string("sgd")),
                                             ("sampler", .string(spec.run.sampler.rawValue)), ("steps", .integer(trajectory.steps)),
                                             ("evaluations", .integer(trajectory.evaluations))]
        if let seconds { solver.append(("seconds", .number(seconds))) }
        return .object([
            ("parameters", parameters),
            ("trajectory", .array(trajectory.samples.map(RunReport.sampleJSON))),
            ("events", .object(trajectory.events.map { ($0.name, .number($0.time)) })),
            ("peak_offdiag", .array(trajectory.peaks.map { row in
                .array(row.map { p in p.map { .object([("value", .number($0.value)), ("t", .number($0.time))]) } ?? .null })
            })),
            ("final", RunReport.sampleJSON(trajectory.final)),
            ("solver", .object(solver)),
            ("norms", .object([("initial", .numbers(n.initial)), ("final", .numbers(n.final)),
                               ("max", .numbers(n.max)), ("inflation", .numbers(n.inflation))])),
        ])
    }

    /// The `run` parameters plus `batch, lr, lr-e, steps, data, samples, sampler, rng, bn-epsilon, data-seed`.
    public var parameters: JSONValue {
        guard case .object(var kv) = spec.run.json(start: problem.start) else { return .null }
        var samples: JSONValue = .null
        if case .fixed(let n) = problem.data { samples = .integer(n) }
        kv.append(contentsOf: [
            ("batch", .integer(problem.batch)), ("lr", .number(problem.lr)), ("lr-e", .number(problem.lrE)),
            ("steps", .integer(problem.steps)), ("data", .string(problem.data == .online ? "online" : "fixed")),
            ("samples", samples), ("sampler", .string(spec.run.sampler.rawValue)), ("rng", .string(spec.run.rng.rawValue)),
            ("bn-epsilon", .number(problem.epsilon)),
            ("data-seed", .string("\(problem.dataSeed)")),
        ])
        return .object(kv)
    }

    // MARK: - CSV

    /// One row per sample: the `run` columns plus `norm_j`.
    public var csv: String { TrajectoryTable.csv(trajectory, features: problem.model.data.featureCount, neurons: problem.neurons, norms: true) }

    // MARK: - Table

    /// A terminal summary: parameters, about `rows` samples, events, head peaks, norms, final state.
    public func table(rows: Int = 16) -> String {
        let m = problem.neurons, s = spec.run
        var out = "headflow train — SGD (\(spec.run.sampler.rawValue) sampler), head \(s.head.rawValue), d=\(s.d) P=\(s.patches) s=\(s.featurePatches) "
        out += "α=\(s.alpha) σ_ξ=\(s.noise) m=\(m) N=\(problem.batch) lr=\(problem.lr) lr_E=\(NumberFormat.short(problem.lrE)) steps=\(problem.steps)\n"
        out += "start A(0)=\(MatrixText.format(problem.start.a))  B(0)=\(MatrixText.format(problem.start.b))\n\n"
        out += TrajectoryTable.body(trajectory, features: problem.model.data.featureCount, neurons: m, rows: rows, norms: true)
        let n = norms, f = trajectory.final
        out += "\nnorms ‖w_j‖: start \(n.initial.map { NumberFormat.short($0) }), end \(n.final.map { NumberFormat.short($0) }), inflation \(n.inflation.map { NumberFormat.short($0) })\n"
        out += "final t = \(NumberFormat.short(f.time)): cos = \(MatrixText.format(f.cosines.rounded(4)))  ‖E − I‖_F = \(NumberFormat.short(f.headDeviation))  loss = \(NumberFormat.short(f.loss))  outcome \(trajectory.outcome.rawValue)\n"
        let ranks = f.rankColumns
        if !ranks.isEmpty { out += "ranks (population at the SGD state; _batch: the last batch): " + ranks.map { "\($0.0) = \(NumberFormat.short($0.1))" }.joined(separator: "  ") + "\n" }
        out += "solver: SGD, \(spec.run.sampler.rawValue) sampler, \(trajectory.steps) steps" + (seconds.map { ", \(NumberFormat.short($0)) s" } ?? "") + "\n"
        return out
    }
}
