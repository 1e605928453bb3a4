import HeadFlowNumerics
import HeadFlowDynamics

/// Renders a run (its parameters and trajectory) as JSON, CSV or a terminal table.
public struct RunReport {
    /// Every parameter of the run.
    public let spec: RunSpec
    /// The problem as solved (its start is recorded too).
    public let problem: PopulationProblem
    /// The solution.
    public let trajectory: Trajectory

    /// A report of `trajectory`, solved from `problem` built from `spec`.
    public init(spec: RunSpec, problem: PopulationProblem, trajectory: Trajectory) {
        self.spec = spec; self.problem = problem; self.trajectory = trajectory
    }

    // MARK: - JSON

    /// `{parameters, trajectory, events, peak_offdiag, final, solver}`.
    public var json: JSONValue {
        .object([
            ("parameters", spec.json(start: problem.start)),
            ("trajectory", .array(trajectory.samples.map(Self.sampleJSON))),
            ("events", .object(trajectory.events.map { ($0.name, .number($0.time)) })),
            ("peak_offdiag", .array(trajectory.peaks.map { row in
                .array(row.map { p in p.map { .object([("value", .number($0.value)), ("t", .number($0.time))]) } ?? .null })
            })),
            ("final", Self.sampleJSON(trajectory.final)),
            ("solver", .object([("status", .string("success")), ("steps", .integer(trajectory.steps)),
                                ("evaluations", .integer(trajectory.evaluations))])),
        ])
    }

    /// One sample: `t, a, cos, B, E, rho, loss, norms`, and when computed the ranks
    /// `erank_f, rankme_f` (online outputs `f`) and `erank_F, rankme_F` (`F = E f`).
    public static func sampleJSON(_ s: TrajectorySample) -> JSONValue {
        .object([
            ("t", .number(s.time)), ("a", .matrix(s.a)), ("cos", .matrix(s.cosines)), ("B", .matrix(s.b)),
            ("E", .matrix(s.e)), ("rho", .numbers(s.correlations)), ("loss", .number(s.loss)),
            ("norms", .numbers(s.norms)),
        ] + s.rankColumns.map { ($0.0, JSONValue.number($0.1)) })
    }

    // MARK: - CSV

    /// One row per sample: `t, a_ℓj…, cos_ℓj…, B_jr…, E_jr…, rho_j…, loss` (1-based names).
    public var csv: String { TrajectoryTable.csv(trajectory, features: problem.model.data.featureCount, neurons: problem.neurons, norms: false) }

    // MARK: - Table

    /// A terminal summary: parameters, about `rows` samples, events, head peaks, final state.
    public func table(rows: Int = 16) -> String {
        let k = problem.model.data.featureCount, m = problem.neurons
        var out = "headflow run — population flow, head \(spec.head.rawValue), d=\(spec.d) P=\(spec.patches) s=\(spec.featurePatches) "
        out += "α=\(spec.alpha) σ_ξ=\(spec.noise) m=\(m) η=\(spec.eta) η_E=\(spec.etaE)"
        if spec.target == .ema { out += " target ema τ=\(spec.emaTau)" }
        if spec.stopGrad == .off { out += " stop-grad off" }
        if spec.head.isSpectral { out += " dp-eps=\(spec.dpEps) dp-source=\(spec.dpSource.rawValue)" }
        out += "\n"
        out += "start A(0)=\(MatrixText.format(problem.start.a))  B(0)=\(MatrixText.format(problem.start.b))\n\n"
        out += TrajectoryTable.body(trajectory, features: k, neurons: m, rows: rows, norms: false)
        let f = trajectory.final
        out += "\nfinal t = \(Self.fmt(f.time)): cos = \(MatrixText.format(f.cosines.rounded(4)))  ‖E − I‖_F = \(Self.fmt(f.headDeviation))  loss = \(Self.fmt(f.loss))\n"
        if !f.rankColumns.isEmpty {
            out += "ranks: " + f.rankColumns.map { "\($0.0) = \(Self.fmt($0.1))" }.joined(separator: "  ") + "\n"
        }
        out += "solver: \(spec.stepper.rawValue), rtol \(spec.rtol), atol \(spec.atol), \(trajectory.steps) steps, \(trajectory.evaluations) evaluations\n"
        return out
    }

    /// A number in at most ~10 characters.
    static func fmt(_ x: Double) -> String { NumberFormat.short(x) }
}

/// The part of a run's or a training's terminal table that reads a `Trajectory`:
/// about `rows` samples (`t`, `cos_ℓj`, off-diagonal `E_jr`, optionally `‖w_j‖`,
/// loss), the events, and the off-diagonal head peaks.
enum TrajectoryTable {
    /// One CSV row per sample: `t, a_ℓj…, cos_ℓj…, B_jr…, E_jr…, rho_j…, loss` and, with `norms`, `norm_j…`.
    static func csv(_ trajectory: Trajectory, features k: Int, neurons m: Int, norms: Bool) -> String {
        var header = ["t"]
        for name in ["a", "cos"] { for l in 1...k { for j in 1...m { header.append("\(name)_\(l)\(j)") } } }
        for name in ["B", "E"] { for j in 1...m { for r in 1...m { header.append("\(name)_\(j)\(r)") } } }
        for j in 1...m { header.append("rho_\(j)") }
        header.append("loss")
        if norms { for j in 1...m { header.append("norm_\(j)") } }
        let ranked = trajectory.samples.first.map { !$0.rankColumns.isEmpty } ?? false
        if ranked { header += trajectory.samples[0].rankColumns.map(\.0) }
        var lines = [header.joined(separator: ",")]
        for s in trajectory.samples {
            var values = [s.time] + s.a.storage + s.cosines.storage + s.b.storage + s.e.storage + s.correlations + [s.loss]
            if norms { values += s.norms }
            if ranked { values += s.rankColumns.map(\.1) }
            lines.append(values.map { "\($0)" }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func body(_ trajectory: Trajectory, features k: Int, neurons m: Int, rows: Int, norms: Bool) -> String {
        let fmt = NumberFormat.short
        var cols = ["t"]
        for l in 1...k { for j in 1...m { cols.append("cos_\(l)\(j)") } }
        for j in 1...m { for r in 1...m where r != j { cols.append("E_\(j)\(r)") } }
        if norms { for j in 1...m { cols.append("‖w_\(j)‖") } }
        cols.append("loss")
        let widths = cols.map { max($0.count, 10) }
        var out = zip(cols, widths).map { $0.rightPadded(to: $1) }.joined(separator: " ") + "\n"
        let samples = trajectory.samples
        let stride = max(1, samples.count / rows)
        var picked = Swift.stride(from: 0, to: samples.count, by: stride).map { samples[$0] }
        if picked.last?.time != samples.last?.time { picked.append(samples[samples.count - 1]) }
        for s in picked {
            var vals = [fmt(s.time)] + s.cosines.storage.map(fmt)
            for j in 0..<m { for r in 0..<m where r != j { vals.append(fmt(s.e[j, r])) } }
            if norms { vals += s.norms.map(fmt) }
            vals.append(fmt(s.loss))
            out += zip(vals, widths).map { $0.rightPadded(to: $1) }.joined(separator: " ") + "\n"
        }
        out += "\nevents\n"
        for e in trajectory.events { out += "  " + e.name.rightPadded(to: 28) + (e.time.map(fmt) ?? "—") + "\n" }
        out += "\npeak |E_jr| (off-diagonal)\n"
        for j in 0..<m { for r in 0..<m where r != j {
            if let p = trajectory.peaks[j][r] { out += "  E_\(j + 1)\(r + 1)  \(fmt(p.value)) at t = \(fmt(p.time))\n" }
        } }
        return out
    }
}

extension Matrix {
    /// Entries rounded to `digits` decimals (for display).
    func rounded(_ digits: Int) -> Matrix {
        let s = NumberFormat.pow10(digits)
        return Matrix(rows: rows, cols: cols, storage: storage.map { ($0 * s).rounded() / s })
    }
}
