import HeadFlowNumerics
import HeadFlowDynamics

// MARK: - Reading a spec back from JSON

extension RunSpec {
    /// Reads back what `json` (or `json(start:)`) wrote, entry by entry of
    /// `RunParameter.all`: every parameter must be present with its type (a
    /// number, an integer, a name, a list, a matrix; `null` only for one unset
    /// by default, like `init-a`); other keys (`start`, the SGD options of
    /// `train`) are ignored. Ranges are not checked here: call `validate()`.
    /// Throws a `ParameterError` naming the key.
    ///
    /// `init-scale` equal to `1/√d` (what the record holds for the default)
    /// reads back as unset, so that a grid varying `d` rebuilds the same cells.
    public init(json j: JSONValue) throws(ParameterError) {
        self.init()
        try read(j, entries: RunParameter.runRecord, what: "parameters")
        if let s = initScale, s == 1 / Double(d).squareRoot() { initScale = nil }
    }

    /// Sets `entries` from the JSON object `j` (`what` names it in errors): each must be present with its type.
    mutating func read(_ j: JSONValue, entries: [RunParameter], what: String) throws(ParameterError) {
        guard j.objectValue != nil else { throw ParameterError(what, must: "a JSON object", got: Self.short(j)) }
        for p in entries {
            guard let v = j[p.name] else { throw ParameterError(p.name, must: "present in the \(what)", got: "nothing") }
            let text: String?
            switch (p.kind, v) {
            case (_, .null) where p.defaultText == nil: text = nil
            case (.real, _) where v.doubleValue != nil: text = "\(v.doubleValue!)"
            case (.integer, .integer(let i)): text = i < 0 && p.name == "seed" ? "\(UInt64(bitPattern: Int64(i)))" : "\(i)"
            case (.integer, .string(let digits)) where UInt64(digits) != nil: text = digits  // a 64-bit seed recorded as a string
            case (.choice, .string(let s)): text = s
            case (.list, .array(let xs)) where !xs.isEmpty && xs.allSatisfy({ $0.doubleValue != nil }):
                text = xs.map { "\($0.doubleValue!)" }.joined(separator: ",")
            case (.matrix, _) where v.matrixValue != nil: text = MatrixText.format(v.matrixValue!)
            case (.path, .string(let s)): text = s
            default: throw ParameterError(p.name, must: "\(Self.kindText(p.kind)) in the \(what)", got: Self.short(v))
            }
            if let text { try p.assign(text: text, to: &self) }
        }
    }

    static func kindText(_ kind: RunParameter.Kind) -> String {
        switch kind {
        case .real: return "a number"
        case .integer: return "an integer"
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .list: return "a list of numbers"
        case .matrix: return "a matrix (rows of equal length)"
        case .path: return "a file path"
        }
    }

    /// A JSON value for an error message, at most 60 characters.
    package static func short(_ v: JSONValue) -> String {
        let text = v.rendered()
        return text.count <= 60 ? text : String(text.prefix(57)) + "…"
    }
}
