@preconcurrency import CGSL

/// Unconstrained minimisation of a smooth `f: ℝⁿ → ℝ` with its analytic gradient by GSL's
/// `gsl_multimin_fdfminimizer_vector_bfgs2` (Fletcher's BFGS with a Moré–Thuente-style line
/// search), stopped when `‖∇f‖₂ < gradientTolerance` (`gsl_multimin_test_gradient`) or after
/// `maxIterations` iterations. The method is chosen here; the problem is the closure given to
/// `minimize`, and the outcome is a `MinimizationResult` whose `status` a caller must look at.
public struct BFGSMinimizer: Sendable, Equatable {
    /// Length of the first trial step (GSL's `step_size`).
    public var initialStep: Double
    /// Accuracy of each line search (GSL's `tol`; 0.1 is GSL's advice for bfgs2).
    public var lineTolerance: Double
    /// Stop when the gradient's Euclidean norm falls below this.
    public var gradientTolerance: Double
    /// Stop after this many iterations (status `.iterationLimit`).
    public var maxIterations: Int

    /// A minimiser with the given settings.
    public init(initialStep: Double = 0.01, lineTolerance: Double = 0.1, gradientTolerance: Double = 1e-6, maxIterations: Int = 1000) {
        self.initialStep = initialStep; self.lineTolerance = lineTolerance
        self.gradientTolerance = gradientTolerance; self.maxIterations = maxIterations
    }

    /// The objective: `f(x)`, and when `gradient` is non-nil also `∇f(x)` written into it.
    public typealias Objective = (_ x: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>?) -> Double

    /// Minimises `objective` from `start` (n ≥ 1). A non-finite value or gradient at the start, or
    /// GSL failing to set up, gives status `.failed` with `x = start`; a later non-finite value
    /// stops the line search and gives `.failed` at the last good point.
    public func minimize(from start: [Double], _ objective: @escaping Objective) -> MinimizationResult {
        precondition(!start.isEmpty, "BFGSMinimizer: at least one variable")
        GSLRuntime.ensure()
        let n = start.count
        let box = ObjectiveBox(objective, n: n)
        let minimizer = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, n)!
        let x0 = gsl_vector_alloc(n)!
        defer { gsl_multimin_fdfminimizer_free(minimizer); gsl_vector_free(x0) }
        for i in 0..<n { gsl_vector_set(x0, i, start[i]) }
        return withExtendedLifetime(box) {
            var function = gsl_multimin_function_fdf(f: bfgsValue, df: bfgsGradient, fdf: bfgsBoth, n: n,
                                                     params: Unmanaged.passUnretained(box).toOpaque())
            let status = gsl_multimin_fdfminimizer_set(minimizer, &function, x0, initialStep, lineTolerance)
            guard status == GSL_SUCCESS, box.allFinite else {
                let why = status == GSL_SUCCESS ? "the objective is not finite at the start" : GSLRuntime.describe(status)
                return MinimizationResult(x: start, value: .nan, gradientNorm: .nan, iterations: 0, evaluations: box.evaluations,
                                          status: .failed(why))
            }
            var iterations = 0
            var outcome = MinimizationResult.Status.iterationLimit
            while iterations < maxIterations {
                if gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(minimizer), gradientTolerance) == GSL_SUCCESS {
                    outcome = .converged; break
                }
                let step = gsl_multimin_fdfminimizer_iterate(minimizer)
                iterations += 1
                if !box.allFinite { outcome = .failed("the objective became non-finite during a line search"); break }
                if step == GSL_ENOPROG { outcome = .noProgress; break }
                if step != GSL_SUCCESS { outcome = .failed(GSLRuntime.describe(step)); break }
            }
            if outcome == .iterationLimit,
               gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(minimizer), gradientTolerance) == GSL_SUCCESS {
                outcome = .converged
            }
            let xv = gsl_multimin_fdfminimizer_x(minimizer)!, g = gsl_multimin_fdfminimizer_gradient(minimizer)!
            let x = (0..<n).map { gsl_vector_get(xv, $0) }
            return MinimizationResult(x: x, value: gsl_multimin_fdfminimizer_minimum(minimizer), gradientNorm: gsl_blas_dnrm2(g),
                                      iterations: iterations, evaluations: box.evaluations, status: outcome)
        }
    }
}

/// The outcome of `BFGSMinimizer.minimize`: the last point, its value and gradient norm, the work
/// done, and why it stopped.
public struct MinimizationResult: Sendable, Equatable {
    /// Why the minimiser stopped.
    public enum Status: Sendable, Equatable {
        /// `‖∇f‖ < gradientTolerance`.
        case converged
        /// `maxIterations` iterations without converging; `x` is the last iterate.
        case iterationLimit
        /// A line search could not lower `f` (`GSL_ENOPROG`): usually the minimum to rounding, with
        /// `‖∇f‖` above a tolerance set too tight.
        case noProgress
        /// GSL reported an error, or the objective was not finite; the text says which.
        case failed(String)
    }
    /// The last iterate (the best point found).
    public let x: [Double]
    /// `f(x)`.
    public let value: Double
    /// `‖∇f(x)‖₂`.
    public let gradientNorm: Double
    /// BFGS iterations taken.
    public let iterations: Int
    /// Calls of the objective.
    public let evaluations: Int
    /// Why it stopped.
    public let status: Status
}

/// The Swift side of GSL's multimin callbacks: the objective, scratch copies of `x` and `∇f`
/// (GSL's vectors may be strided), a count of calls and whether every value so far was finite.
private final class ObjectiveBox {
    let objective: BFGSMinimizer.Objective
    let n: Int
    var x: [Double], g: [Double]
    var evaluations = 0
    var allFinite = true
    init(_ objective: @escaping BFGSMinimizer.Objective, n: Int) {
        self.objective = objective; self.n = n
        x = [Double](repeating: 0, count: n); g = x
    }

    /// `f(v)`, and `∇f(v)` into `gradient` when it is non-nil.
    func evaluate(_ v: UnsafePointer<gsl_vector>, _ gradient: UnsafeMutablePointer<gsl_vector>?) -> Double {
        evaluations += 1
        for i in 0..<n { x[i] = gsl_vector_get(v, i) }
        let value: Double = x.withUnsafeBufferPointer { xp in
            if gradient == nil { return objective(xp, nil) }
            return g.withUnsafeMutableBufferPointer { objective(xp, $0) }
        }
        if !value.isFinite { allFinite = false }
        if let gradient {
            for i in 0..<n {
                if !g[i].isFinite { allFinite = false }
                gsl_vector_set(gradient, i, g[i])
            }
        }
        return value
    }
}

/// GSL's `f` callback.
private let bfgsValue: @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?) -> Double = { x, params in
    Unmanaged<ObjectiveBox>.fromOpaque(params!).takeUnretainedValue().evaluate(x!, nil)
}

/// GSL's `df` callback.
private let bfgsGradient: @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<gsl_vector>?) -> Void = { x, params, g in
    _ = Unmanaged<ObjectiveBox>.fromOpaque(params!).takeUnretainedValue().evaluate(x!, g!)
}

/// GSL's `fdf` callback.
private let bfgsBoth: @convention(c) (UnsafePointer<gsl_vector>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<gsl_vector>?) -> Void = { x, params, f, g in
    f!.pointee = Unmanaged<ObjectiveBox>.fromOpaque(params!).takeUnretainedValue().evaluate(x!, g!)
}
