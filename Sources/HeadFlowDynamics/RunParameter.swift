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
        /// A file path (`--images`); not varied.
        case path

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

    /// The engines it acts in (`RunParameter.Engines`); given to a command whose engine is not among them, it is
    /// rejected (`headflow run --dp-rho 0.5`: `--dp-rho acts only in train and sweep --engine sgd`).
    public internal(set) var engines: Engines = .all
    /// True when `RunSpec.json` (the run record) holds it; the training entries are recorded by SGD's own record
    /// (`TrainReport`, `SGDEngine`), next to what they derive (`lr-e`, the step count, the data seed used).
    public internal(set) var inRunRecord = true
    /// True when the image record (`RunSpec.imageJSON`: `train` and `sweep --engine sgd` on real images) holds it:
    /// the image entries (`--patch`, `--epochs`, …) — recorded there only, so synthetic records keep their keys.
    public internal(set) var inImageRecord = false
    /// False for an entry of the synthetic data model or its integrator (`--alpha`, `--steps`, …): given with
    /// `--data fashion-mnist` or `files` it is an error, and the image record leaves it out.
    public internal(set) var actsOnImages = true
    /// Why it cannot act in this setting of the other parameters (nil: it acts): e.g. `--ema-tau` needs
    /// `--target ema`. The text completes "acts only …". Checked for options a user gives, never for defaults.
    var actingCondition: (RunSpec, Engines) -> String? = { _, _ in nil }

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

    /// Throws when this parameter, given by the user, cannot act in `spec` solved by `engine`: not one of its
    /// engines (`--dp-rho acts only in train and sweep --engine sgd`), or not in this setting of the other
    /// parameters (`--ema-tau acts only with --target ema`).
    public func checkActs(in spec: RunSpec, engine: Engines) throws(ParameterError) {
        guard engines.contains(engine) else { throw ParameterError(name, actsOnly: "in " + engines.commands) }
        if let needs = actingCondition(spec, engine) { throw ParameterError(name, actsOnly: needs) }
    }

    /// Throws when this parameter acts in none of `count` settings (`spec(i)`, e.g. the cells of a sweep) solved by
    /// `engine`, with the first setting's reason; returns at the first setting in which it acts.
    public func checkActs(inSomeOf count: Int, engine: Engines,
                          _ spec: (Int) throws(ParameterError) -> RunSpec) throws(ParameterError) {
        var first: ParameterError? = nil
        for i in 0..<count {
            do throws(ParameterError) {
                try checkActs(in: try spec(i), engine: engine)
                return
            } catch {
                if !error.notActing { throw error }
                first = first ?? error
            }
        }
        if let first { throw first }
    }

    /// Throws the table's error for entry `name` when `value` is outside its range: the one place a parameter's
    /// range and error text live, also for problems built without a `RunSpec` (`PopulationField`, `TrainingProblem`).
    static func check(_ name: String, _ value: Double) throws(ParameterError) { try check(name, .real(value)) }

    /// As `check(_:_:)` for an integer entry.
    static func check(_ name: String, _ value: Int) throws(ParameterError) { try check(name, .integer(value)) }

    private static func check(_ name: String, _ value: SettingValue) throws(ParameterError) {
        guard let p = named(name) else { preconditionFailure("no table entry \(name)") }
        var spec = RunSpec()
        p.write(&spec, value)
        try p.check(spec)
    }

    /// This entry acting only in `engines`.
    func only(_ engines: Engines) -> RunParameter { var p = self; p.engines = engines; return p }

    /// This entry acting only when `condition` returns nil (else the text after "acts only").
    func acts(_ condition: @escaping (RunSpec, Engines) -> String?) -> RunParameter { var p = self; p.actingCondition = condition; return p }

    /// This entry recorded by SGD's record, not `RunSpec.json`.
    var trainingRecord: RunParameter { var p = self; p.inRunRecord = false; return p }

    /// This entry acting only on synthetic data (`--data online` or `fixed`), else as before; `images` completes
    /// the error's sentence with what takes its place on images.
    func synthetic(_ images: String) -> RunParameter {
        var p = self
        p.actsOnImages = false
        let before = actingCondition
        p.actingCondition = { s, engine in
            s.data.isImage ? "with synthetic data (--data online or fixed); on images \(images)" : before(s, engine)
        }
        return p
    }

    /// This entry an image entry: SGD only, recorded in the image record, acting only with `--data fashion-mnist`
    /// or `files` (`files`: only with `--data files`).
    func image(files: Bool = false) -> RunParameter {
        var p = self
        p.engines = .sgd; p.inRunRecord = false; p.inImageRecord = true
        p.actingCondition = files ? { s, _ in s.data == .files ? nil : "with --data files" }
            : { s, _ in s.data.isImage ? nil : "with image data (--data fashion-mnist or files)" }
        return p
    }

    /// The table entry called `name`, nil when there is none.
    public static func named(_ name: String) -> RunParameter? { all.first { $0.name == name } }
}

extension RunParameter {
    /// The engines a parameter can act in: the population flow (`run`, `sweep --engine population`, `features`)
    /// and SGD (`train`, `sweep --engine sgd`).
    public struct Engines: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        /// A raw set.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The population gradient flow.
        public static let population = Engines(rawValue: 1)
        /// Mini-batch SGD.
        public static let sgd = Engines(rawValue: 2)
        /// Both engines.
        public static let all: Engines = [.population, .sgd]

        /// The commands that run these engines, in words.
        public var commands: String {
            switch self {
            case .population: return "run and sweep --engine population"
            case .sgd: return "train and sweep --engine sgd"
            default: return "run, train and sweep"
            }
        }
    }
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

    /// An optional integer at `key` (nil = derived default), valid when unset or `valid`; recorded as an integer or null.
    static func optionalInteger(_ name: String, _ key: WritableKeyPath<RunSpec, Int?>, _ help: String, range: String,
                                _ valid: @escaping (Int) -> Bool) -> RunParameter {
        RunParameter(name: name, help: help, kind: .integer, range: range,
                     parseText: { t throws(ParameterError) in .integer(try Parse.integer(name, range, t)) },
                     write: { s, v in if case .integer(let i) = v { s[keyPath: key] = i } },
                     read: { $0[keyPath: key].map(SettingValue.integer) },
                     isValid: { $0[keyPath: key].map(valid) ?? true },
                     record: { s in s[keyPath: key].map { .integer($0) } ?? .null })
    }

    /// An optional seed at `key` (nil = derived): integers ≥ 0, recorded as a decimal string (64 bits) or null.
    static func optionalSeed(_ name: String, _ key: WritableKeyPath<RunSpec, UInt64?>, _ help: String) -> RunParameter {
        seedEntry(name, help, store: { $0[keyPath: key] = $1 }, read: { $0[keyPath: key].map(SettingValue.seed) },
                  record: { s in s[keyPath: key].map { .string("\($0)") } ?? .null })
    }

    /// A seed (`UInt64`) at `key`: integers ≥ 0.
    static func seed(_ name: String, _ key: WritableKeyPath<RunSpec, UInt64>, _ help: String) -> RunParameter {
        seedEntry(name, help, store: { $0[keyPath: key] = $1 }, read: { .seed($0[keyPath: key]) },
                  record: { .integer(Int(truncatingIfNeeded: $0[keyPath: key])) })
    }

    /// A seed entry: text parsed as a `UInt64` (an integer ≥ 0; a negative JSON integer is its 64-bit pattern), kept by `store`.
    private static func seedEntry(_ name: String, _ help: String, store: @escaping (inout RunSpec, UInt64) -> Void,
                                  read: @escaping (RunSpec) -> SettingValue?, record: @escaping (RunSpec) -> JSONValue) -> RunParameter {
        let range = "an integer ≥ 0"
        return RunParameter(name: name, help: help, kind: .integer, range: range,
                            parseText: { t throws(ParameterError) in
                                guard let s = UInt64(Substring(t).trimmingSpaces) else { throw ParameterError(name, must: range, got: "\"\(t)\"") }
                                return .seed(s)
                            },
                            write: { s, v in
                                switch v {
                                case .seed(let x): store(&s, x)
                                case .integer(let i): store(&s, UInt64(bitPattern: Int64(i)))
                                default: break
                                }
                            },
                            read: read, isValid: { _ in true }, record: record)
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

    /// An optional file path at `key` (nil = none): any non-empty text.
    static func optionalPath(_ name: String, _ key: WritableKeyPath<RunSpec, String?>, _ help: String) -> RunParameter {
        let range = "a file path"
        return RunParameter(name: name, help: help, kind: .path, range: range,
                            parseText: { t throws(ParameterError) in
                                guard !t.isEmpty else { throw ParameterError(name, must: range, got: "\"\"") }
                                return .text(t)
                            },
                            write: { s, v in if case .text(let t) = v { s[keyPath: key] = t } },
                            read: { $0[keyPath: key].map(SettingValue.text) },
                            isValid: { $0[keyPath: key].map { !$0.isEmpty } ?? true },
                            record: { s in s[keyPath: key].map { .string($0) } ?? .null })
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
