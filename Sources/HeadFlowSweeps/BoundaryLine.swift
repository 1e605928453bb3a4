import HeadFlowNumerics

/// The record of one line of a boundary search: the cell of the `--vary` grid it belongs to, every parameter of its
/// run, and what `SwitchSearch` found along it — the switches `[low, high]` with the sides (outcome letters or metric
/// values) evaluated at both ends, changes a failure kept from being located, the failures, and every point solved.
public struct BoundaryLine: Sendable {
    /// The line's index (the `--vary` grid's cell index).
    public let index: Int
    /// The line's values on the `--vary` axes.
    public let values: [SweepValue]
    /// Every run parameter by CLI name (the line's own parameter at its base value; `along` says it varies).
    public let parameters: JSONValue
    /// What the search found.
    public let result: LineSearchResult<BoundarySide>

    /// A line from its parts.
    public init(index: Int, values: [SweepValue], parameters: JSONValue, result: LineSearchResult<BoundarySide>) {
        self.index = index; self.values = values; self.parameters = parameters; self.result = result
    }

    /// The switches.
    public var switches: [SwitchBracket<BoundarySide>] { result.switches }

    // MARK: - JSON

    /// `{index, values, parameters, along, switches: [{low, high, below, above, limit?}], unresolved: [{low, high,
    /// below, above, failed_at}], failures: [{at, failure}], runs, points: [[x, side], …]}`; with `fingerprint`
    /// (of the store's manifest) also `fingerprint: {boundary, parameters}`.
    public func json(axes: [SweepAxis], along: JSONValue, fingerprint: String? = nil) -> JSONValue {
        var kv: [(String, JSONValue)] = [
            ("index", .integer(index)),
            ("values", .object(zip(axes, values).map { ($0.parameter.name, $1.json) })),
            ("parameters", parameters),
            ("along", along),
            ("switches", .array(result.switches.map { s in
                var o: [(String, JSONValue)] = [("low", .number(s.low)), ("high", .number(s.high)), ("below", s.below.json), ("above", s.above.json)]
                if let l = s.limit { o.append(("limit", .string(l.rawValue))) }
                return .object(o)
            })),
            ("unresolved", .array(result.unresolved.map { u in
                .object([("low", .number(u.low)), ("high", .number(u.high)), ("below", u.below.json), ("above", u.above.json),
                         ("failed_at", .number(u.failedAt))])
            })),
            ("failures", .array(result.failures.map { .object([("at", .number($0.x)), ("failure", .string($0.message))]) })),
            ("runs", .integer(result.points.count)),
            ("points", .array(result.points.compactMap { p in
                if case .result(let side, _) = p.probe { return .array([.number(p.x), side.json]) }
                return nil
            })),
        ]
        if let fingerprint {
            kv.append(("fingerprint", .object([("boundary", .string(fingerprint)), ("parameters", .string(Fingerprint.of(parameters)))])))
        }
        return .object(kv)
    }

    /// Reads back what `json` wrote (classes re-derived from the sides: equal sides, one class; a metric's sides by
    /// `level`); nil when a field is missing or malformed.
    public init?(json j: JSONValue, level: Double?) {
        guard let index = j["index"]?.intValue, index >= 0, let vs = j["values"]?.objectValue,
              let parameters = j["parameters"], parameters.objectValue != nil,
              let sw = j["switches"]?.arrayValue, let un = j["unresolved"]?.arrayValue,
              let fs = j["failures"]?.arrayValue, let ps = j["points"]?.arrayValue else { return nil }
        func key(_ s: BoundarySide) -> String {
            switch s {
            case .number(let x): return level.map { x < $0 ? "below" : "above" } ?? s.description
            case .never: return "above"
            case .outcome: return s.description
            }
        }
        var values: [SweepValue] = []
        for (_, v) in vs { guard let x = SweepValue(json: v) else { return nil }; values.append(x) }
        var switches: [SwitchBracket<BoundarySide>] = [], unresolved: [UnresolvedBracket<BoundarySide>] = []
        var points: [(x: Double, probe: LineProbe<BoundarySide>)] = []
        for s in sw {
            guard let lo = s["low"]?.doubleValue, let hi = s["high"]?.doubleValue, lo <= hi,
                  let b = s["below"].flatMap(BoundarySide.init(json:)), let a = s["above"].flatMap(BoundarySide.init(json:)) else { return nil }
            var limit: BracketLimit? = nil
            if let l = s["limit"] { guard let x = l.stringValue.flatMap(BracketLimit.init(rawValue:)) else { return nil }; limit = x }
            switches.append(SwitchBracket(low: lo, high: hi, below: b, above: a, limit: limit))
        }
        for u in un {
            guard let lo = u["low"]?.doubleValue, let hi = u["high"]?.doubleValue, let at = u["failed_at"]?.doubleValue,
                  let b = u["below"].flatMap(BoundarySide.init(json:)), let a = u["above"].flatMap(BoundarySide.init(json:)) else { return nil }
            unresolved.append(UnresolvedBracket(low: lo, high: hi, below: b, above: a, failedAt: at))
        }
        for f in fs {
            guard let x = f["at"]?.doubleValue, let m = f["failure"]?.stringValue else { return nil }
            points.append((x, .failed(m)))
        }
        for p in ps {
            guard let pair = p.arrayValue, pair.count == 2, let x = pair[0].doubleValue, let side = BoundarySide(json: pair[1]) else { return nil }
            points.append((x, .result(side, key: key(side))))
        }
        points.sort { $0.x < $1.x }
        self.init(index: index, values: values, parameters: parameters,
                  result: LineSearchResult(points: points, switches: switches, unresolved: unresolved))
    }
}
