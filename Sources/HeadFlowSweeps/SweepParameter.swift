import HeadFlowNumerics
import HeadFlowDynamics

/// A parameter a sweep can vary: any `headflow run` option by its CLI name,
/// an entry of a list or matrix option (`alpha[2]` = `α_2`, `init-a[1,2]` =
/// `a_{12}(0)`, `init-b[1,2]` = `B_{12}(0)`; 1-based), or a derived ratio
/// (`alpha-ratio` = `α_2/α_1` with `α_1` fixed, `eta-e-ratio` = `η_E/η` with `η` fixed).
public struct SweepParameter: Hashable, Sendable, CustomStringConvertible {
    /// Which field of `RunSpec` the parameter sets.
    public enum Key: Hashable, Sendable {
        /// A scalar parameter of the table (`RunParameter.all`): `eta-e`, `d`, `head`, `seed`, …
        case run(RunParameter)
        /// `α_ℓ` (0-based `ℓ`).
        case alpha(Int)
        /// `α_2/α_1`, setting `α_2` from the spec's `α_1`.
        case alphaRatio
        /// `η_E/η`, setting `η_E` from the spec's `η`.
        case etaERatio
        /// `a_{ℓj}(0)` (0-based `ℓ`, `j`); needs a base `--init-a`.
        case initA(Int, Int)
        /// `B_{jr}(0) = B_{rj}(0)` (0-based); needs a base `--init-b`.
        case initB(Int, Int)

        /// The table parameter called `name` (which must exist).
        public static func named(_ name: String) -> Key {
            guard let p = RunParameter.named(name) else { preconditionFailure("no run parameter \(name)") }
            return .run(p)
        }
    }

    /// What values the parameter takes (that of its table entry; entries of lists and matrices are reals).
    public typealias Kind = RunParameter.Kind

    /// The field it sets.
    public let key: Key

    /// The canonical name, as written after `--vary` (`eta-e`, `init-a[1,2]`).
    public var name: String {
        switch key {
        case .alpha(let l): return "alpha[\(l + 1)]"
        case .initA(let l, let j): return "init-a[\(l + 1),\(j + 1)]"
        case .initB(let j, let r): return "init-b[\(j + 1),\(r + 1)]"
        case .run(let p): return p.name
        case .alphaRatio: return "alpha-ratio"
        case .etaERatio: return "eta-e-ratio"
        }
    }

    /// The canonical name.
    public var description: String { name }

    /// The kind of its values.
    public var kind: Kind {
        if case .run(let p) = key { return p.kind }
        return .real
    }

    /// True for `seed`: a sweep aggregates over it (fractions per outcome).
    public var isSeed: Bool { key == .named("seed") }

    /// Derived parameters (`alpha-ratio`, `eta-e-ratio`) are set after the
    /// others, so that they are relative to the cell's final `α_1` and `η`.
    public var isDerived: Bool { key == .alphaRatio || key == .etaERatio }

    /// The parameter `key`.
    public init(_ key: Key) { self.key = key }

    /// Parses a `--vary` name: a `run` option (`eta-e`, `d`, `seed`, …), an
    /// entry `alpha[ℓ]`, `init-a[ℓ,j]`, `init-b[j,r]` (1-based), or a ratio.
    /// Throws a `ParameterError` for `--vary` listing the valid names.
    public init(parsing text: String) throws(ParameterError) {
        let name = Substring(text).trimmingSpaces
        if let k = Self.simple.first(where: { $0.0 == name })?.1 { key = k; return }
        func fail(_ what: String) -> ParameterError { ParameterError("vary", must: what, got: "\"\(name)\"") }
        if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
            let base = String(name[..<open])
            let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
            let idx = inner.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingSpaces) }
            guard idx.allSatisfy({ $0 != nil && $0! >= 1 }) else {
                throw fail("NAME=SPEC with 1-based entry indices, as in alpha[2] or init-a[1,2]")
            }
            let i = idx.map { $0! - 1 }
            switch (base, i.count) {
            case ("alpha", 1): key = .alpha(i[0]); return
            case ("init-a", 2): key = .initA(i[0], i[1]); return
            case ("init-b", 2): key = .initB(i[0], i[1]); return
            default: throw fail("NAME=SPEC with an entry alpha[ℓ], init-a[ℓ,j] or init-b[j,r] (1-based)")
            }
        }
        switch name {
        case "alpha": throw fail("NAME=SPEC naming one magnitude: alpha[ℓ] (1-based) or alpha-ratio (α_2/α_1)")
        case "init-a", "init-b": throw fail("NAME=SPEC naming one entry: \(name)[ℓ,j] (1-based)")
        case "prob": throw fail("NAME=SPEC with NAME not prob (the p_ℓ must sum to 1; set --prob instead)")
        default: throw fail("NAME=SPEC with NAME one of " + Self.validNames)
        }
    }

    /// The names `--vary` accepts, in words.
    public static var validNames: String {
        simple.map(\.0).joined(separator: ", ") + ", alpha[ℓ], init-a[ℓ,j], init-b[j,r]"
    }

    /// Plain names and their keys: every scalar parameter of the table, in its
    /// order, with the two ratios after the parameter they are relative to.
    static let simple: [(String, Key)] = RunParameter.all.filter(\.kind.isScalar).flatMap { p -> [(String, Key)] in
        var out: [(String, Key)] = [(p.name, .run(p))]
        if p.name == "feature-patches" { out.append(("alpha-ratio", .alphaRatio)) }
        if p.name == "eta-e" { out.append(("eta-e-ratio", .etaERatio)) }
        return out
    }
}
