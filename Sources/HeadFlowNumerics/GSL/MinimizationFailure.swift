/// Why `BrentMinimizer.minimize` found no minimum: a value the caller must look
/// at, with the numbers that explain it (never a crash, never a quiet guess).
public enum MinimizationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The three points are not finite with `lower < guess < upper`.
    case invalidInterval(lower: Double, guess: Double, upper: Double)
    /// `f(guess) < f(lower)` and `f(guess) < f(upper)` do not both hold, so the
    /// points do not bracket a minimum (GSL: "endpoints do not enclose a minimum").
    case notBracketed(lower: Double, guess: Double, upper: Double,
                      valueLower: Double, valueGuess: Double, valueUpper: Double)
    /// `f(x)` was not finite (NaN or ±∞): Brent needs a finite function on the bracket.
    case nonFinite(x: Double, value: Double)
    /// The interval was still wider than the tolerance after `iterations` iterations.
    case noConvergence(iterations: Int, lower: Double, upper: Double)
    /// GSL returned another status (`gsl_strerror`'s text).
    case gsl(status: Int32, message: String)

    /// One line naming the failure and its numbers.
    public var description: String {
        switch self {
        case .invalidInterval(let a, let m, let b):
            return "minimisation needs finite points lower < guess < upper (got \(a), \(m), \(b))"
        case .notBracketed(let a, let m, let b, let fa, let fm, let fb):
            return "not a bracket: Brent needs f(m) < f(a) and f(m) < f(b), got f(a) = \(fa) at a = \(a), "
                + "f(m) = \(fm) at m = \(m), f(b) = \(fb) at b = \(b)"
        case .nonFinite(let x, let y):
            return "minimisation needs a finite function: f(\(x)) = \(y)"
        case .noConvergence(let n, let a, let b):
            return "minimisation did not converge in \(n) iterations (interval [\(a), \(b)])"
        case .gsl(let status, let message):
            return "minimisation failed: GSL status \(status) (\(message))"
        }
    }
}
