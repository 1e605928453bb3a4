/// How a solve failed (a GSL integration or an SGD step), with the time reached. A failed solve is a
/// value the caller must look at; it is never printed as a result.
public enum IntegrationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The adaptive step fell below `minStep` (stiffness or a blow-up).
    case stepUnderflow(time: Double, step: Double)
    /// The state or its derivative stopped being finite (NaN/Inf).
    case nonFinite(time: Double)
    /// More accepted steps than `maxSteps`.
    case tooManySteps(time: Double, steps: Int)
    /// GSL returned a status other than `GSL_SUCCESS`.
    case gsl(time: Double, status: Int32, message: String)
    /// SGD step `step` (time `t = lr · step`) could not be taken: a degenerate
    /// batch (zero BN variance), a non-finite loss, gradient or state.
    case trainingStep(time: Double, step: Int, reason: String)

    /// The time the integration had reached when it failed.
    public var time: Double {
        switch self {
        case .stepUnderflow(let t, _), .nonFinite(let t), .tooManySteps(let t, _), .gsl(let t, _, _),
             .trainingStep(let t, _, _): return t
        }
    }

    public var description: String {
        switch self {
        case .stepUnderflow(let t, let h):
            return "integration failed at t = \(t): step size underflow (h = \(h))"
        case .nonFinite(let t):
            return "integration failed at t = \(t): the state became non-finite (NaN or Inf)"
        case .tooManySteps(let t, let n):
            return "integration failed at t = \(t): more than \(n) steps (a stiff flow)"
        case .gsl(let t, let s, let msg):
            return "integration failed at t = \(t): GSL status \(s) (\(msg))"
        case .trainingStep(let t, let n, let reason):
            return "training failed at step \(n) (t = \(t)): \(reason)"
        }
    }
}
