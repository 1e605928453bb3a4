/// A measured quantity a claim declares (before running): its name and what it is,
/// in the paper's notation. The Theorems pages list these.
public struct Quantity: Equatable, Sendable {
    /// The name its `MeasuredValue` carries.
    public let name: String
    /// What it is (`t_1 = first time |cos(w_1, v_1)| ≥ 0.9`).
    public let meaning: String

    /// A declared quantity.
    public init(_ name: String, _ meaning: String) {
        self.name = name; self.meaning = meaning
    }
}
