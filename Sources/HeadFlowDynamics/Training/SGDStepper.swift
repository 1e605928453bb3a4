import HeadFlowNumerics
import HeadFlowModel

/// One SGD sampler's state and step (internal): `SGDFullSampler`, `SGDProjectedSampler`
/// and `SGDProjectedNeighbourSampler` conform. The head moves by its rule (`HeadRule.sgdStep`, `SpectralHeadEstimate`).
protocol SGDStepper: AnyObject {
    /// Takes one step on a fresh batch; returns the batch loss `L̂` before the update.
    func step() throws(SGDStepFailure) -> Double
    /// The current reduced state `(A, R, E)`.
    func reducedState() -> ReducedState
    /// The EMA target `(A_tg, R_tg)` (with the online `E`), nil for the target `same`.
    func targetState() -> ReducedState?
    /// The last step's view-1 outputs `f⁽¹⁾` (N×m) and the head `E` it used (nil before the first step).
    var lastBatch: (outputs: Matrix, head: Matrix)? { get }
}

/// Why a step could not be taken (internal; the solver adds the step number).
enum SGDStepFailure: Error {
    /// Zero BN variance or a non-finite loss or gradient.
    case degenerate(DegenerateBatch)
    /// The updated state is not finite.
    case nonFiniteState
    /// A Gram factor could not be formed (a non-finite or indefinite `m×m` matrix).
    case factorization(String)

    var reason: String {
        switch self {
        case .degenerate(let d): return d.description
        case .nonFiniteState: return "the state (W or E) became non-finite after the update; try a smaller --lr"
        case .factorization(let what): return "could not factor \(what) (non-finite or indefinite)"
        }
    }
}
