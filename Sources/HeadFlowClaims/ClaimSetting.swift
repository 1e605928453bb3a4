import HeadFlowDynamics

/// A setting of a claim beyond its preset `RunSpec`: a grid, a list of seeds,
/// a second run (a reference arm), or a fixed choice in words. Reports print
/// them next to `parameters`; the Theorems pages list them as hypotheses.
public enum ClaimSetting: Equatable, Sendable {
    /// A grid of numbers (`eta-e/eta`, `d`).
    case numbers(String, [Double])
    /// A list of integers (seeds).
    case integers(String, [Int])
    /// Another run the claim solves (the reference arm), as a full `RunSpec`.
    case run(String, RunSpec)
    /// A choice in words (`sampling`, `time of T_1`).
    case text(String, String)

    /// The setting's name.
    public var name: String {
        switch self {
        case .numbers(let n, _), .integers(let n, _), .run(let n, _), .text(let n, _): return n
        }
    }
}
