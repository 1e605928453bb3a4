@preconcurrency import CGSL

/// One-dimensional minimisation of `f` on a bracket through GSL's Brent method
/// (`gsl_min_fminimizer_brent`: golden-section steps safeguarding parabolic
/// interpolation).
///
/// A bracket is `a < m < b` with `f(m) < f(a)` and `f(m) < f(b)` (GSL's
/// condition): then a continuous `f` has a local minimum in `(a, b)`, and the
/// iteration shrinks the interval around it until `gsl_min_test_interval`
/// accepts it, `|b − a| < epsabs + epsrel · min(|a|, |b|)` (an interval around
/// zero is tested with `epsabs` alone). For a unimodal `f` on `[a, b]` the
/// minimiser `x*` then lies in the final interval, so `|x − x*| < epsabs +
/// epsrel · min(|a|, |b|)` — up to ties: where `f` rounds to the same double
/// at two points, Brent cannot tell which is lower, and the interval may miss
/// `x*` by such a flat stretch (about `sqrt(ε)·|x*|` on a parabola).
///
/// Edges: a bracket that is not one, a non-finite `f(x)`, a non-finite
/// bound, or more than `maxIterations` iterations is a thrown
/// `MinimizationFailure` (GSL's abort handler is off, `GSLRuntime`): never a
/// crash, never a silently unconverged result.
public struct BrentMinimizer: Equatable, Sendable {
    /// `epsabs` of `gsl_min_test_interval` (≥ 0), in units of `x`.
    public var absoluteTolerance: Double
    /// `epsrel` of `gsl_min_test_interval` (≥ 0).
    public var relativeTolerance: Double
    /// At most this many `gsl_min_fminimizer_iterate` calls.
    public var maxIterations: Int

    /// A minimiser stopping when the interval is shorter than `absoluteTolerance + relativeTolerance · min(|a|, |b|)`.
    public init(absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 0, maxIterations: Int = 200) {
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.maxIterations = maxIterations
    }

    /// The minimum of `f` in the bracket `(lower, guess, upper)`. `values`, when
    /// given, are `f` at those three points (already computed by the caller's
    /// scan, so they are not evaluated again: `gsl_min_fminimizer_set_with_values`).
    /// Throws `.invalidInterval` unless `lower < guess < upper` are finite, and
    /// `.notBracketed` (with the three values) unless `f(guess) < f(lower)` and
    /// `f(guess) < f(upper)`.
    public func minimize(lower: Double, guess: Double, upper: Double,
                         values: (lower: Double, guess: Double, upper: Double)? = nil,
                         _ f: (Double) -> Double) throws(MinimizationFailure) -> BrentMinimum {
        guard lower.isFinite, guess.isFinite, upper.isFinite, lower < guess, guess < upper else {
            throw .invalidInterval(lower: lower, guess: guess, upper: upper)
        }
        GSLRuntime.ensure()
        let result: Result<BrentMinimum, MinimizationFailure> = withoutActuallyEscaping(f) { f in
            let box = MinimandBox(f)
            let fa = values?.lower ?? box.evaluate(lower)
            let fm = values?.guess ?? box.evaluate(guess)
            let fb = values?.upper ?? box.evaluate(upper)
            for (x, y) in [(lower, fa), (guess, fm), (upper, fb)] where !y.isFinite {
                return .failure(.nonFinite(x: x, value: y))
            }
            guard fm < fa, fm < fb else {
                return .failure(.notBracketed(lower: lower, guess: guess, upper: upper,
                                              valueLower: fa, valueGuess: fm, valueUpper: fb))
            }
            return iterate(box, lower: (lower, fa), guess: (guess, fm), upper: (upper, fb))
        }
        return try result.get()
    }

    /// Runs GSL's Brent iteration from a checked bracket.
    private func iterate(_ box: MinimandBox, lower: (Double, Double), guess: (Double, Double),
                         upper: (Double, Double)) -> Result<BrentMinimum, MinimizationFailure> {
        guard let s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent) else {
            return .failure(.gsl(status: Int32(GSL_ENOMEM), message: GSLRuntime.describe(Int32(GSL_ENOMEM))))
        }
        defer { gsl_min_fminimizer_free(s) }
        let opaque = Unmanaged.passUnretained(box).toOpaque()
        var function = gsl_function(function: minimandTrampoline, params: opaque)
        return withExtendedLifetime(box) {
            withUnsafeMutablePointer(to: &function) { fp -> Result<BrentMinimum, MinimizationFailure> in
                var status = gsl_min_fminimizer_set_with_values(s, fp, guess.0, guess.1, lower.0, lower.1, upper.0, upper.1)
                if let failure = failure(status, box) { return .failure(failure) }
                var iterations = 0
                while true {
                    let (a, b) = (gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s))
                    status = gsl_min_test_interval(a, b, absoluteTolerance, relativeTolerance)
                    if status == GSL_SUCCESS {
                        return .success(BrentMinimum(x: gsl_min_fminimizer_x_minimum(s), value: gsl_min_fminimizer_f_minimum(s),
                                                     lower: a, upper: b, iterations: iterations, evaluations: box.evaluations))
                    }
                    if status != GSL_CONTINUE { return .failure(.gsl(status: status, message: GSLRuntime.describe(status))) }
                    guard iterations < maxIterations else {
                        return .failure(.noConvergence(iterations: iterations, lower: a, upper: b))
                    }
                    status = gsl_min_fminimizer_iterate(s)
                    iterations += 1
                    if let failure = failure(status, box) { return .failure(failure) }
                }
            }
        }
    }

    /// A GSL status as a failure (nil for success); a non-finite value the box saw comes first.
    private func failure(_ status: Int32, _ box: MinimandBox) -> MinimizationFailure? {
        if let (x, y) = box.nonFinite { return .nonFinite(x: x, value: y) }
        return status == GSL_SUCCESS ? nil : .gsl(status: status, message: GSLRuntime.describe(status))
    }
}

/// Where Brent's iteration ended: the best point found, the final interval
/// `[lower, upper]` (which holds the minimiser of a unimodal `f`), and the work done.
public struct BrentMinimum: Equatable, Sendable {
    /// The best point, `gsl_min_fminimizer_x_minimum`.
    public let x: Double
    /// `f(x)`.
    public let value: Double
    /// The final interval's lower end.
    public let lower: Double
    /// The final interval's upper end.
    public let upper: Double
    /// `gsl_min_fminimizer_iterate` calls.
    public let iterations: Int
    /// Evaluations of `f` by the minimiser (the given bracket values excluded).
    public let evaluations: Int
}

/// The Swift side of GSL's `gsl_function` callback: the minimand, a count of
/// its evaluations, and the first non-finite value it returned.
private final class MinimandBox {
    let f: (Double) -> Double
    var evaluations = 0
    var nonFinite: (Double, Double)?
    init(_ f: @escaping (Double) -> Double) { self.f = f }

    func evaluate(_ x: Double) -> Double {
        evaluations += 1
        let y = f(x)
        if !y.isFinite, nonFinite == nil { nonFinite = (x, y) }
        return y
    }
}

/// GSL's minimand callback: `MinimandBox.evaluate` of the box in `params`. A
/// non-finite value makes GSL's iterate return `GSL_EBADFUNC`.
private let minimandTrampoline: @convention(c) (Double, UnsafeMutableRawPointer?) -> Double = { x, params in
    Unmanaged<MinimandBox>.fromOpaque(params!).takeUnretainedValue().evaluate(x)
}
