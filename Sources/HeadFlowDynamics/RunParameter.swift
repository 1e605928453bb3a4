import HeadFlowNumerics

/// One parameter of a run, declared once: its name (the CLI option without
/// dashes, the `--vary` name and the JSON key), its help text, the kind of its
/// values, where it lives in `RunSpec`, its valid range (with the error text),
/// and how it is recorded in JSON. `RunParameter.all` is the table; the CLI
/// options, `sweep --vary`, JSON records, preset merging and validation all
/// read it, so a new parameter is one entry there (plus its mathematics).
public struct RunParameter: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// What values the parameter takes.
    public enum Kind: Equatable, Sendable {
        /// A finite real (ranges allowed in `--vary`).
        case real
        /// An integer (range points are rounded).
        case integer
        /// One of these names.
        case choice([String])
        /// A comma-separated list of reals (`--alpha`, `--prob`); varied entry by entry.
        case list
        /// A matrix `"a11,a12;a21,a22"` (`--init-a`, `--init-b`); varied entry by entry.
        case matrix

        /// Reals and integers (ranges allowed in `--vary`).
        public var isNumeric: Bool { self == .real || self == .integer }

        /// Scalars (a `--vary NAME=SPEC` may name the whole parameter).
        public var isScalar: Bool { isNumeric || !choices.isEmpty }

        /// The names of a `.choice` (empty otherwise).
        public var choices: [String] { if case .choice(let c) = self { return c }; return [] }
    }

    /// The CLI name without dashes (`eta-e`), also the `--vary` name and JSON key.
    public let name: String
    /// Help text for `--help` (the paper's symbol and meaning).
    public let help: String
    /// The kind of its values.
    public let kind: Kind
    /// The valid range in words, as the error says it ("a finite η_E ≥ 0").
    public let range: String

    let parseText: (String) throws(ParameterError) -> SettingValue
    let write: (inout RunSpec, SettingValue) -> Void
    let read: (RunSpec) -> SettingValue?
    let isValid: (RunSpec) -> Bool
    let record: (RunSpec) -> JSONValue

    /// The canonical name.
    public var description: String { name }

    public static func == (l: RunParameter, r: RunParameter) -> Bool { l.name == r.name }
    public func hash(into h: inout Hasher) { h.combine(name) }

    // MARK: - Using an entry

    /// Sets this parameter of `spec` from its command-line text. Throws a
    /// `ParameterError` naming the parameter when the text is not of its kind;
    /// the range is checked by `check` (so a preset's value is checked the same way).
    public func assign(text: String, to spec: inout RunSpec) throws(ParameterError) {
        write(&spec, try parseText(text))
    }

    /// The value in `spec` (nil for an optional parameter left unset).
    func value(in spec: RunSpec) -> SettingValue? { read(spec) }

    /// Throws a `ParameterError` naming this parameter when its value in `spec` is out of range.
    public func check(_ spec: RunSpec) throws(ParameterError) {
        guard !isValid(spec) else { return }
        throw ParameterError(name, must: range, got: read(spec)?.text ?? "nothing")
    }

    /// The JSON record of its value in `spec`.
    public func json(_ spec: RunSpec) -> JSONValue { record(spec) }

    /// The default (its value in `RunSpec()`) as text; nil for an optional parameter unset by default.
    public var defaultText: String? { read(RunSpec()).map(\.text) }

    /// The table entry called `name`, nil when there is none.
    public static func named(_ name: String) -> RunParameter? { all.first { $0.name == name } }
}

/// A parameter's value as the table handles it.
enum SettingValue: Equatable {
    case real(Double), integer(Int), seed(UInt64), text(String), list([Double]), matrix(Matrix), none

    /// The value as text, for error messages.
    var text: String {
        switch self {
        case .real(let x): return "\(x)"
        case .integer(let i): return "\(i)"
        case .seed(let s): return "\(s)"
        case .text(let t): return t
        case .list(let l): return l.map { "\($0)" }.joined(separator: ",")
        case .matrix(let m): return MatrixText.format(m)
        case .none: return "nothing"
        }
    }
}

// MARK: - Entry builders (one per value type)

extension RunParameter {
    /// Text parsers shared by the builders: each names the parameter on failure.
    enum Parse {
        static func real(_ name: String, _ range: String, _ t: String) throws(ParameterError) -> Double {
            guard let x = Double(Substring(t).trimmingSpaces) else { throw ParameterError(name, must: range, got: "\"\(t)\"") }
            return x
        }
        static func integer(_ name: String, _ range: String, _ t: String) throws(ParameterError) -> Int {
            guard let i = Int(Substring(t).trimmingSpaces) else { throw ParameterError(name, must: range, got: "\"\(t)\"") }
            return i
        }
    }

    /// A real parameter at `key`, valid when finite and `valid`.
    static func real(_ name: String, _ key: WritableKeyPath<RunSpec, Double>, _ help: String, range: String,
                     _ valid: @escaping (Double) -> Bool) -> RunParameter {
        RunParameter(name: name, help: help, kind: .real, range: range,
                     parseText: { t throws(ParameterError) in .real(try Parse.real(name, range, t)) },
                     write: { s, v in if case .real(let x) = v { s[keyPath: key] = x } },
                     read: { .real($0[keyPath: key]) },
                     isValid: { let x = $0[keyPath: key]; return x.isFinite && valid(x) },
                     record: { .number($0[keyPath: key]) })
    }

    /// An optional real at `key` (nil = derived default), valid when unset or finite and `valid`.
    static func optionalReal(_ name: String, _ key: WritableKeyPath<RunSpec, Double?>, _ help: String, range: String,
                             record: @escaping (RunSpec) -> JSONValue, _ valid: @escaping (Double) -> Bool) -> RunParameter {
        RunParameter(name: name, help: help, kind: .real, range: range,
                     parseText: { t throws(ParameterError) in .real(try Parse.real(name, range, t)) },
                     write: { s, v in if case .real(let x) = v { s[keyPath: key] = x } },
                     read: { $0[keyPath: key].map(SettingValue.real) },
                     isValid: { $0[keyPath: key].map { $0.isFinite && valid($0) } ?? true },
                     record: record)
    }

    /// An integer parameter at `key`, valid when `valid`.
    static func integer(_ name: String, _ key: WritableKeyPath<RunSpec, Int>, _ help: String, range: String,
                        _ valid: @escaping (Int) -> Bool) -> RunParameter {
        RunParameter(name: name, help: help, kind: .integer, range: range,
                     parseText: { t throws(ParameterError) in .integer(try Parse.integer(name, range, t)) },
                     write: { s, v in if case .integer(let i) = v { s[keyPath: key] = i } },
                     read: { .integer($0[keyPath: key]) },
                     isValid: { valid($0[keyPath: key]) },
                     record: { .integer($0[keyPath: key]) })
    }

    /// A seed (`UInt64`) at `key`: integers ≥ 0.
    static func seed(_ name: String, _ key: WritableKeyPath<RunSpec, UInt64>, _ help: String) -> RunParameter {
        let range = "an integer ≥ 0"
        return RunParameter(name: name, help: help, kind: .integer, range: range,
                            parseText: { t throws(ParameterError) in
                                guard let s = UInt64(Substring(t).trimmingSpaces) else { throw ParameterError(name, must: range, got: "\"\(t)\"") }
                                return .seed(s)
                            },
                            write: { s, v in
                                switch v {
                                case .seed(let x): s[keyPath: key] = x
                                case .integer(let i): s[keyPath: key] = UInt64(bitPattern: Int64(i))
                                default: break
                                }
                            },
                            read: { .seed($0[keyPath: key]) },
                            isValid: { _ in true },
                            record: { .integer(Int(truncatingIfNeeded: $0[keyPath: key])) })
    }

    /// A named choice (`HeadKind`, `StepperKind`, …) at `key`: its raw values, listed in help and errors.
    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ key: WritableKeyPath<RunSpec, E>, _ help: String) -> RunParameter
        where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        let range = "one of " + names.joined(separator: ", ")
        return RunParameter(name: name, help: help, kind: .choice(names), range: range,
                            parseText: { t throws(ParameterError) in
                                guard names.contains(t) else { throw ParameterError(name, must: range, got: "\"\(t)\"") }
                                return .text(t)
                            },
                            write: { s, v in if case .text(let t) = v, let e = E(rawValue: t) { s[keyPath: key] = e } },
                            read: { .text($0[keyPath: key].rawValue) },
                            isValid: { _ in true },
                            record: { .string($0[keyPath: key].rawValue) })
    }

    /// A list of reals at `key` (`--alpha`); ranges are checked with the data model.
    static func list(_ name: String, _ key: WritableKeyPath<RunSpec, [Double]>, _ help: String, range: String,
                     record: @escaping (RunSpec) -> JSONValue) -> RunParameter {
        RunParameter(name: name, help: help, kind: .list, range: range,
                     parseText: { t throws(ParameterError) in .list(try MatrixText.parseList(t, parameter: name)) },
                     write: { s, v in if case .list(let l) = v { s[keyPath: key] = l } },
                     read: { .list($0[keyPath: key]) },
                     isValid: { _ in true },
                     record: record)
    }

    /// An optional list of reals at `key` (`--prob`; nil = derived default).
    static func optionalList(_ name: String, _ key: WritableKeyPath<RunSpec, [Double]?>, _ help: String, range: String,
                             record: @escaping (RunSpec) -> JSONValue) -> RunParameter {
        RunParameter(name: name, help: help, kind: .list, range: range,
                     parseText: { t throws(ParameterError) in .list(try MatrixText.parseList(t, parameter: name)) },
                     write: { s, v in if case .list(let l) = v { s[keyPath: key] = l } },
                     read: { $0[keyPath: key].map(SettingValue.list) },
                     isValid: { _ in true },
                     record: record)
    }

    /// An optional matrix at `key` (`--init-a`, `--init-b`; nil = random); shapes are checked with the start.
    static func optionalMatrix(_ name: String, _ key: WritableKeyPath<RunSpec, Matrix?>, _ help: String, range: String) -> RunParameter {
        RunParameter(name: name, help: help, kind: .matrix, range: range,
                     parseText: { t throws(ParameterError) in .matrix(try MatrixText.parseMatrix(t, parameter: name)) },
                     write: { s, v in if case .matrix(let m) = v { s[keyPath: key] = m } },
                     read: { $0[keyPath: key].map(SettingValue.matrix) },
                     isValid: { $0[keyPath: key]?.isFinite ?? true },
                     record: { s in s[keyPath: key].map { .matrix($0) } ?? .null })
    }
}
