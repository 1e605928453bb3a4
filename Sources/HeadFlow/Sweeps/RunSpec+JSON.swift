// MARK: - Reading a spec back from JSON

extension RunSpec {
    /// Reads back what `json` (or `json(start:)`) wrote: every key must be
    /// present with its type (an integer, a number, a list, a matrix or null, a
    /// name); other keys (`start`, the SGD options of `train`) are ignored. Does
    /// not validate ranges: call `problem()` for that. Throws a `ParameterError`
    /// naming the key.
    ///
    /// `init-scale` equal to `1/√d` (what `json` writes for the default) reads
    /// back as nil, so that a grid varying `d` rebuilds the same cells.
    public init(json j: JSONValue) throws(ParameterError) {
        guard j.objectValue != nil else { throw ParameterError("parameters", must: "a JSON object", got: Self.short(j)) }
        func value(_ key: String) throws(ParameterError) -> JSONValue {
            guard let v = j[key] else { throw ParameterError(key, must: "present in the parameters", got: "nothing") }
            return v
        }
        func integer(_ key: String) throws(ParameterError) -> Int {
            let v = try value(key)
            guard case .integer(let i) = v else { throw ParameterError(key, must: "an integer", got: Self.short(v)) }
            return i
        }
        func number(_ key: String) throws(ParameterError) -> Double {
            let v = try value(key)
            guard let x = v.doubleValue else { throw ParameterError(key, must: "a number", got: Self.short(v)) }
            return x
        }
        func numbers(_ key: String) throws(ParameterError) -> [Double] {
            let v = try value(key)
            guard let xs = v.arrayValue, !xs.isEmpty else { throw ParameterError(key, must: "a list of numbers", got: Self.short(v)) }
            var out: [Double] = []
            for x in xs { guard let d = x.doubleValue else { throw ParameterError(key, must: "a list of numbers", got: Self.short(v)) }; out.append(d) }
            return out
        }
        func matrix(_ key: String) throws(ParameterError) -> Matrix? {
            let v = try value(key)
            if case .null = v { return nil }
            guard let m = v.matrixValue else { throw ParameterError(key, must: "a matrix (rows of equal length) or null", got: Self.short(v)) }
            return m
        }
        func name<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(ParameterError) -> T where T.RawValue == String {
            let v = try value(key)
            guard let s = v.stringValue, let x = T(rawValue: s) else {
                throw ParameterError(key, must: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "), got: Self.short(v))
            }
            return x
        }
        self.init()
        d = try integer("d"); patches = try integer("patches"); featurePatches = try integer("feature-patches")
        alpha = try numbers("alpha"); prob = try numbers("prob")
        noise = try number("noise"); maskProb = try number("mask-prob")
        neurons = try integer("neurons"); head = try name("head", HeadKind.self)
        eta = try number("eta"); etaE = try number("eta-e"); tEnd = try number("t-end")
        let s = try integer("seed")
        seed = UInt64(truncatingIfNeeded: s)
        initA = try matrix("init-a"); initB = try matrix("init-b")
        let scale = try number("init-scale")
        initScale = scale == 1 / Double(d).squareRoot() ? nil : scale
        rtol = try number("rtol"); atol = try number("atol")
        stepper = try name("stepper", StepperKind.self)
        points = try integer("points"); maxSteps = try integer("max-steps")
    }

    /// A JSON value for an error message, at most 60 characters.
    static func short(_ v: JSONValue) -> String {
        let text = v.rendered()
        return text.count <= 60 ? text : String(text.prefix(57)) + "…"
    }
}
