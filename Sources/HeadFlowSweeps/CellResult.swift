import HeadFlowNumerics
import HeadFlowDynamics

/// How a cell ended: finished at `t_end`, or failed (integration or SGD
/// failure) with the time reached. A failed cell carries no result.
public enum CellStatus: Equatable, Sendable {
    /// The solver reached `t_end`.
    case finished
    /// The solver stopped at `time`; `message` says why.
    case failed(time: Double, message: String)

    /// `"finished"` or `"failed"`.
    public var name: String { if case .failed = self { return "failed" }; return "finished" }
}

/// The record of one grid cell: its values, every parameter, and what the run
/// showed — outcome, events, head peaks, final loss — read off the `Trajectory`
/// (the same `Outcome` and events as `headflow run`). Written to the store as
/// soon as the cell finishes.
public struct CellResult: Equatable, Sendable {
    /// Cell index in the grid's enumeration order.
    public let index: Int
    /// The value on each axis.
    public let values: [SweepValue]
    /// Every parameter by CLI name, with the start used (`RunSpec.json(start:)`).
    public let parameters: JSONValue
    /// Finished or failed.
    public let status: CellStatus
    /// The time reached (`t_end` when finished).
    public let timeReached: Double
    /// The outcome at `t_end` (nil when failed).
    public let outcome: Outcome?
    /// Distinct features some neuron is on at `t_end` (nil when failed).
    public let featuresLearned: Int?
    /// `L = Σ_j 2(1 − ρ_j)` at `t_end` (nil when failed).
    public let finalLoss: Double?
    /// Every watched event with its time (nil: did not occur); empty when failed.
    public let events: [EventRecord]
    /// `max_t |E_jr|` by name (`peak_e21` = row 2, column 1), off-diagonal only; empty when failed.
    public let peaks: [(name: String, value: Double, time: Double)]
    /// `cos_{ℓj}` at `t_end` (nil when failed).
    public let finalCosines: Matrix?
    /// Accepted steps of the solver.
    public let steps: Int
    /// At `t_end`: `erank_f, rankme_f, erank_F, rankme_F` (when the solver computed them) and
    /// `head_deviation = ‖E − I‖_F`; empty when failed.
    public let finalMetrics: [(name: String, value: Double)]
    /// An image cell's evaluations (`ImageTrainReport`'s `evaluations` list; nil for the synthetic engines).
    public let evaluations: JSONValue?
    /// The fingerprints read from a file (nil for a cell just computed, or a
    /// file without them): of the sweep's manifest and of `parameters`.
    public private(set) var recordedFingerprint: (grid: String, parameters: String)? = nil

    /// Reads a cell off a solved trajectory. A failed solve keeps only the time reached.
    public init(index: Int, values: [SweepValue], parameters: JSONValue, trajectory t: Trajectory) {
        self.index = index; self.values = values; self.parameters = parameters
        steps = t.steps
        evaluations = nil
        switch t.status {
        case .success:
            status = .finished
            let f = t.final
            timeReached = f.time
            outcome = t.outcome
            featuresLearned = Outcome.learnedFeatureCount(cosines: f.cosines)
            finalLoss = f.loss
            events = t.events
            let m = t.peaks.count
            var ps: [(String, Double, Double)] = []
            for j in 0..<m { for r in 0..<m { if let p = t.peaks[j][r] { ps.append((Self.peakName(j, r, neurons: m), p.value, p.time)) } } }
            peaks = ps
            finalCosines = f.cosines
            finalMetrics = f.rankColumns.map { (name: $0.0, value: $0.1) } + [("head_deviation", f.headDeviation)]
        case .failed(let failure):
            status = .failed(time: failure.time, message: "\(failure)")
            timeReached = failure.time
            outcome = nil; featuresLearned = nil; finalLoss = nil; events = []; peaks = []; finalCosines = nil; finalMetrics = []
        }
    }

    /// A cell that could not start (its parameters were rejected at run time).
    public init(index: Int, values: [SweepValue], parameters: JSONValue, rejected message: String) {
        self.index = index; self.values = values; self.parameters = parameters
        evaluations = nil
        status = .failed(time: 0, message: message)
        timeReached = 0; steps = 0
        outcome = nil; featuresLearned = nil; finalLoss = nil; events = []; peaks = []; finalCosines = nil; finalMetrics = []
    }

    /// An image cell (`ImageEngine`): trained for `steps` steps, evaluated as `evaluations` (the last is the final
    /// one: its metrics are `finalMetrics` under the sweep's names, its loss `finalLoss`); no outcome, events or peaks.
    public init(index: Int, values: [SweepValue], parameters: JSONValue, steps: Int, evaluations: [ImageEvaluation]) {
        self.index = index; self.values = values; self.parameters = parameters; self.steps = steps
        status = .finished
        timeReached = Double(steps)
        outcome = nil; featuresLearned = nil; events = []; peaks = []; finalCosines = nil
        let last = evaluations.last
        finalLoss = last?.loss
        finalMetrics = (last?.metrics ?? []).compactMap { m in
            m.name == "loss" ? nil : m.value.map { (name: CellResult.imageMetricKey(m.name), value: $0) }
        }
        self.evaluations = .array(evaluations.map(\.json))
    }

    /// An image cell that failed at `step` (the time reached is the step count).
    public init(index: Int, values: [SweepValue], parameters: JSONValue, failedAt step: Int, message: String) {
        self.index = index; self.values = values; self.parameters = parameters
        evaluations = nil
        status = .failed(time: Double(step), message: message)
        timeReached = Double(step); steps = step
        outcome = nil; featuresLearned = nil; finalLoss = nil; events = []; peaks = []; finalCosines = nil; finalMetrics = []
    }

    /// The key of an image metric in `finalMetrics`: the representation's ranks as the synthetic cells name them
    /// (`erank_f`, `rankme_f`), `head_deviation` for `head_dev`, the others by their own names.
    static func imageMetricKey(_ name: String) -> String {
        switch name {
        case "erank": return "erank_f"
        case "rankme": return "rankme_f"
        case "head_dev": return "head_deviation"
        default: return name
        }
    }

    /// `peak_e21` for row 2, column 1 (0-based `j`, `r`); `peak_e2_11` style beyond 9 neurons.
    public static func peakName(_ j: Int, _ r: Int, neurons m: Int) -> String {
        m <= 9 ? "peak_e\(j + 1)\(r + 1)" : "peak_e\(j + 1)_\(r + 1)"
    }

    /// `t_learn`: the first time any neuron learns the weak feature `v_2`
    /// (the minimum over `j` of `learn_w{j}_v2`); nil if none did.
    public var weakLearnTime: Double? {
        events.filter { $0.name.hasPrefix("learn_w") && $0.name.hasSuffix("_v2") }.compactMap(\.time).min()
    }

    /// Equal records: the same JSON (so the same bytes in a store).
    public static func == (l: CellResult, r: CellResult) -> Bool { l.json == r.json }

    // MARK: - JSON

    /// `{index, values, status, t_reached, failure, outcome, features_learned,
    /// final_loss, t_learn, events, peaks, final_cos, steps, parameters}`, then
    /// with `grid` (the fingerprint of the sweep's manifest) `fingerprint:
    /// {grid, parameters}`, so a reader can tell the cell belongs to its sweep.
    public func json(axes: [SweepAxis], grid: String? = nil) -> JSONValue {
        var kv: [(String, JSONValue)] = [
            ("index", .integer(index)),
            ("values", .object(zip(axes, values).map { ($0.parameter.name, $1.json) })),
            ("status", .string(status.name)),
            ("t_reached", .number(timeReached)),
        ]
        if case .failed(_, let message) = status { kv.append(("failure", .string(message))) }
        kv += [
            ("outcome", outcome.map { .string($0.rawValue) } ?? .null),
            ("features_learned", featuresLearned.map { .integer($0) } ?? .null),
            ("final_loss", .number(finalLoss)),
            ("t_learn", .number(weakLearnTime)),
            ("events", .object(events.map { ($0.name, .number($0.time)) })),
            ("peaks", .object(peaks.map { ($0.name, .object([("value", .number($0.value)), ("t", .number($0.time))])) })),
            ("final_cos", finalCosines.map { .matrix($0) } ?? .null),
            ("final_metrics", .object(finalMetrics.map { ($0.name, .number($0.value)) })),
            ("steps", .integer(steps)),
            ("parameters", parameters),
        ]
        if let evaluations { kv.append(("evaluations", evaluations)) }
        if let grid {
            kv.append(("fingerprint", .object([("grid", .string(grid)), ("parameters", .string(Fingerprint.of(parameters)))])))
        }
        return .object(kv)
    }

    /// The JSON without axis names (for equality).
    var json: JSONValue { json(axes: []) }

    /// Reads back what `json(axes:)` wrote; nil when a field is missing or
    /// malformed (a number field holding anything but a number or null, a
    /// negative index or step count, an unknown status or outcome).
    public init?(json j: JSONValue) {
        guard let index = j["index"]?.intValue, index >= 0, let vs = j["values"]?.objectValue,
              let status = j["status"]?.stringValue, let reached = j["t_reached"]?.doubleValue, !reached.isNaN,
              let parameters = j["parameters"], parameters.objectValue != nil,
              let evs = j["events"]?.objectValue, let pks = j["peaks"]?.objectValue
        else { return nil }
        // A number, or nil for null or absent; `ok` is false for anything else.
        func optionalNumber(_ key: String) -> (ok: Bool, value: Double?) {
            guard let v = j[key] else { return (true, nil) }
            if case .null = v { return (true, nil) }
            guard let x = v.doubleValue else { return (false, nil) }
            return (true, x)
        }
        var values: [SweepValue] = []
        for (_, v) in vs { guard let x = SweepValue(json: v) else { return nil }; values.append(x) }
        self.index = index; self.values = values; self.parameters = parameters
        evaluations = j["evaluations"]
        timeReached = reached
        switch j["steps"] {
        case nil: steps = 0
        case .some(let v): guard let n = v.intValue, n >= 0 else { return nil }; steps = n
        }
        if let f = j["fingerprint"] {
            guard let g = f["grid"]?.stringValue, let p = f["parameters"]?.stringValue else { return nil }
            recordedFingerprint = (g, p)
        }
        if status == "failed" {
            guard optionalNumber("final_loss").ok else { return nil }
            self.status = .failed(time: reached, message: j["failure"]?.stringValue ?? "failed")
            outcome = nil; featuresLearned = nil; finalLoss = nil; events = []; peaks = []; finalCosines = nil; finalMetrics = []
            return
        }
        guard status == "finished" else { return nil }
        // An image cell (it has evaluations) has no outcome; every other finished cell has one.
        if evaluations != nil, case .null? = j["outcome"] {
            outcome = nil
        } else {
            guard let o = j["outcome"]?.stringValue.flatMap(Outcome.init(rawValue:)) else { return nil }
            outcome = o
        }
        self.status = .finished
        let loss = optionalNumber("final_loss"), learnTime = optionalNumber("t_learn")
        guard loss.ok, learnTime.ok else { return nil }
        finalLoss = loss.value
        switch j["features_learned"] {
        case nil, .some(.null): featuresLearned = nil
        case .some(let v): guard let n = v.intValue, n >= 0 else { return nil }; featuresLearned = n
        }
        var records: [EventRecord] = []
        for (name, t) in evs {
            if case .null = t { records.append(EventRecord(name: name, time: nil)); continue }
            guard let x = t.doubleValue, x.isFinite, x >= 0 else { return nil }
            records.append(EventRecord(name: name, time: x))
        }
        events = records
        var ps: [(String, Double, Double)] = []
        for (name, p) in pks {
            guard let v = p["value"]?.doubleValue, let t = p["t"]?.doubleValue else { return nil }
            ps.append((name, v, t))
        }
        peaks = ps
        switch j["final_cos"] {
        case nil, .some(.null): finalCosines = nil
        case .some(let v): guard let m = v.matrixValue else { return nil }; finalCosines = m
        }
        finalMetrics = (j["final_metrics"]?.objectValue ?? []).compactMap { kv in kv.1.doubleValue.map { (name: kv.0, value: $0) } }
    }

    /// Features `k` and neurons `m` of this cell, read from its parameters.
    public var shape: (features: Int, neurons: Int) {
        (parameters["alpha"]?.arrayValue?.count ?? 2, parameters["neurons"]?.intValue ?? 2)
    }
}
