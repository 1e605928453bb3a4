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

    /// One sample: `t, a, cos, B, E, rho, loss, norms`.
    public static func sampleJSON(_ s: TrajectorySample) -> JSONValue {
        .object([
            ("t", .number(s.time)), ("a", .matrix(s.a)), ("cos", .matrix(s.cosines)), ("B", .matrix(s.b)),
            ("E", .matrix(s.e)), ("rho", .numbers(s.correlations)), ("loss", .number(s.loss)),
            ("norms", .numbers(s.norms)),
        ])
    }

    // MARK: - CSV

    /// One row per sample: `t, a_ℓj…, cos_ℓj…, B_jr…, E_jr…, rho_j…, loss` (1-based names).
    public var csv: String { TrajectoryTable.csv(trajectory, features: problem.model.featureCount, neurons: problem.neurons, norms: false) }

    // MARK: - Table

    /// A terminal summary: parameters, about `rows` samples, events, head peaks, final state.
    public func table(rows: Int = 16) -> String {
        let k = problem.model.featureCount, m = problem.neurons
        var out = "headflow run — population flow, head \(spec.head.rawValue), d=\(spec.d) P=\(spec.patches) s=\(spec.featurePatches) "
        out += "α=\(spec.alpha) σ_ξ=\(spec.noise) m=\(m) η=\(spec.eta) η_E=\(spec.etaE)\n"
        out += "start A(0)=\(MatrixText.format(problem.start.a))  B(0)=\(MatrixText.format(problem.start.b))\n\n"
        out += TrajectoryTable.body(trajectory, features: k, neurons: m, rows: rows, norms: false)
        let f = trajectory.final
        out += "\nfinal t = \(Self.fmt(f.time)): cos = \(MatrixText.format(f.cosines.rounded(4)))  ‖E − I‖_F = \(Self.fmt(f.headDeviation))  loss = \(Self.fmt(f.loss))\n"
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
        var lines = [header.joined(separator: ",")]
        for s in trajectory.samples {
            var values = [s.time] + s.a.storage + s.cosines.storage + s.b.storage + s.e.storage + s.correlations + [s.loss]
            if norms { values += s.norms }
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

/// Short, fixed-width-friendly number formatting for tables.
///
/// Edge cases: `nan`, `inf`, `-inf` as such; `±0` as `0`; subnormals and
/// values near `Double.greatestFiniteMagnitude` in scientific form with a
/// correct mantissa (`4.94e-324`, `1.80e+308`), never an overflowed one.
public enum NumberFormat {
    /// `x` with about 4 significant digits, scientific outside `[1e-3, 1e5)`.
    public static func short(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e-3 && a < 1e5 {
            let digits = max(0, 3 - Int((a).exponentBase10))
            return fixed(x, digits: digits)
        }
        var e = Int(a.exponentBase10)
        var mant = scaled(a, byPowerOf10: -e)
        if (mant * 100).rounded() >= 1000 { mant /= 10; e += 1 }  // 9.999e4 → 1.00e+05, not 10.00e+04
        return (x < 0 ? "-" : "") + fixed(mant, digits: 2) + "e" + (e < 0 ? "-" : "+") + String(abs(e)).leftPadded(to: 2)
    }

    /// `x` with exactly `digits` decimals (`nan`/`inf` as such; magnitudes from
    /// `10¹⁵` on, where decimals are meaningless, as `short(x)`).
    public static func fixed(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        if abs(x) >= 1e15 { return short(x) }
        let scale = pow10(digits)
        let r = (abs(x) * scale).rounded() / scale
        var s = "\(r)"
        if let dot = s.firstIndex(of: "."), !s.contains("e") {
            let dec = s.distance(from: dot, to: s.endIndex) - 1
            if dec < digits { s += String(repeating: "0", count: digits - dec) }
            if digits == 0 { s = String(s[..<dot]) }
        } else if s.contains("e") {
            s = "\(r)"
        }
        return (x < 0 && r != 0 ? "-" : "") + s
    }

    static func pow10(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<abs(e) { p *= 10 }
        return e < 0 ? 1 / p : p
    }

    /// `a · 10^p` in steps of `10^±300`, so neither the factor nor an
    /// intermediate overflows or underflows (a subnormal `a` times `10³²⁴`).
    static func scaled(_ a: Double, byPowerOf10 p: Int) -> Double {
        var a = a, p = p
        while p > 300 { a *= 1e300; p -= 300 }
        while p < -300 { a *= 1e-300; p += 300 }
        return a * pow10(p)
    }
}

extension Double {
    /// `floor(log10 |x|)` for finite non-zero `x`.
    var exponentBase10: Double {
        var e = 0.0, a = abs(self)
        while a >= 10 { a /= 10; e += 1 }
        while a < 1 { a *= 10; e -= 1 }
        return e
    }
}

extension Matrix {
    /// Entries rounded to `digits` decimals (for display).
    func rounded(_ digits: Int) -> Matrix {
        let s = NumberFormat.pow10(digits)
        return Matrix(rows: rows, cols: cols, storage: storage.map { ($0 * s).rounded() / s })
    }
}

extension RunSpec {
    /// Every parameter, by CLI name, plus the start actually used.
    public func json(start: ReducedState) -> JSONValue {
        guard case .object(let fields) = json else { return json }
        return .object(fields + [
            ("start", .object([("A", .matrix(start.a)), ("B", .matrix(start.b)), ("E", .matrix(start.e))])),
        ])
    }

    /// Every parameter, by CLI name (no start: the spec alone, e.g. a claim's preset).
    public var json: JSONValue {
        .object([
            ("d", .integer(d)), ("patches", .integer(patches)), ("feature-patches", .integer(featurePatches)),
            ("alpha", .numbers(alpha)), ("prob", .numbers(model.probabilities)), ("noise", .number(noise)),
            ("mask-prob", .number(maskProb)), ("neurons", .integer(neurons)), ("head", .string(head.rawValue)),
            ("eta", .number(eta)), ("eta-e", .number(etaE)), ("t-end", .number(tEnd)), ("seed", .integer(Int(truncatingIfNeeded: seed))),
            ("init-a", initA.map { .matrix($0) } ?? .null), ("init-b", initB.map { .matrix($0) } ?? .null),
            ("init-scale", .number(initScale ?? 1 / Double(d).squareRoot())),
            ("rtol", .number(rtol)), ("atol", .number(atol)), ("stepper", .string(stepper.rawValue)),
            ("points", .integer(points)), ("max-steps", .integer(maxSteps)),
        ])
    }
}
