/// One pass condition of a claim: a measured quantity compared with a fixed
/// bound or with another measured quantity (`t_substitution < t_learn_w2_v2`).
///
/// Every comparison with NaN is false, so a quantity that could not be
/// measured (an event that never happened, a failed fit) fails its criterion.
public struct Criterion: Equatable, Sendable, CustomStringConvertible {
    /// How the quantity is compared.
    public enum Relation: Equatable, Sendable {
        /// `x < bound`.
        case below
        /// `x ≤ bound`.
        case atMost
        /// `x > bound`.
        case above
        /// `x ≥ bound`.
        case atLeast
        /// `x = bound` exactly (for counts).
        case equal
        /// `|x − bound| ≤ tolerance`.
        case within(tolerance: Double)
    }

    /// What the quantity is compared with.
    public enum Bound: Equatable, Sendable {
        /// A fixed number (the threshold).
        case value(Double)
        /// Another measured quantity, by name.
        case quantity(String)
    }

    /// The measured quantity's name (a key of `ClaimVerdict.measured`).
    public let quantity: String
    /// The comparison.
    public let relation: Relation
    /// The threshold or the other quantity.
    public let bound: Bound

    /// `quantity relation bound`.
    public init(_ quantity: String, _ relation: Relation, _ bound: Bound) {
        self.quantity = quantity; self.relation = relation; self.bound = bound
    }

    /// `x < b`.
    public static func below(_ x: String, _ b: Double) -> Criterion { Criterion(x, .below, .value(b)) }
    /// `x ≤ b`.
    public static func atMost(_ x: String, _ b: Double) -> Criterion { Criterion(x, .atMost, .value(b)) }
    /// `x > b`.
    public static func above(_ x: String, _ b: Double) -> Criterion { Criterion(x, .above, .value(b)) }
    /// `x ≥ b`.
    public static func atLeast(_ x: String, _ b: Double) -> Criterion { Criterion(x, .atLeast, .value(b)) }
    /// `x = b`.
    public static func equals(_ x: String, _ b: Double) -> Criterion { Criterion(x, .equal, .value(b)) }
    /// `|x − center| ≤ tolerance`.
    public static func within(_ x: String, of center: Double, by tolerance: Double) -> Criterion {
        Criterion(x, .within(tolerance: tolerance), .value(center))
    }
    /// `x < y`, both measured (an ordering of event times).
    public static func before(_ x: String, _ y: String) -> Criterion { Criterion(x, .below, .quantity(y)) }
    /// `x > y`, both measured.
    public static func exceeds(_ x: String, _ y: String) -> Criterion { Criterion(x, .above, .quantity(y)) }

    /// The measured quantities it names: `quantity`, then the bound when that is one.
    public var quantities: [String] {
        if case .quantity(let other) = bound { return [quantity, other] }
        return [quantity]
    }

    /// Whether the criterion holds for `values`; false when a quantity is
    /// missing or NaN.
    public func holds(in values: [MeasuredValue]) -> Bool {
        guard let x = values.value(quantity) else { return false }
        let b: Double
        switch bound {
        case .value(let v): b = v
        case .quantity(let name):
            guard let v = values.value(name) else { return false }
            b = v
        }
        switch relation {
        case .below: return x < b
        case .atMost: return x <= b
        case .above: return x > b
        case .atLeast: return x >= b
        case .equal: return x == b
        case .within(let tol): return abs(x - b) <= tol
        }
    }

    /// The criterion as the tables and Theorems pages print it:
    /// `ratio_other < 2`, `|slope − 0.5| ≤ 0.1`, `t_substitution < t_learn_w2_v2`.
    public var description: String {
        let b: String
        switch bound {
        case .value(let v): b = ClaimNumber.text(v)
        case .quantity(let name): b = name
        }
        switch relation {
        case .below: return "\(quantity) < \(b)"
        case .atMost: return "\(quantity) ≤ \(b)"
        case .above: return "\(quantity) > \(b)"
        case .atLeast: return "\(quantity) ≥ \(b)"
        case .equal: return "\(quantity) = \(b)"
        case .within(let tol): return "|\(quantity) − \(b)| ≤ \(ClaimNumber.text(tol))"
        }
    }
}
