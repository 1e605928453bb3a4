@preconcurrency import CGSL

/// The explicit GSL `odeiv2` steppers headflow offers (none needs a Jacobian).
public enum StepperKind: String, CaseIterable, Sendable, Codable {
    /// The default: `rk8pd` while the flow is non-stiff, switching to `msbdf`
    /// (from the current state) once a solve has taken `IntegratorSettings.stiffAfter`
    /// accepted steps — the long tails after convergence are stiff (the head
    /// relaxes to `I` fast; a neuron the head absorbs shrinks, and the BN loss's
    /// curvature grows like `1/‖w_j‖²`).
    case auto
    /// Embedded Runge-Kutta Prince-Dormand (8, 9): `gsl_odeiv2_step_rk8pd`.
    case rk8pd
    /// Embedded Runge-Kutta Cash-Karp (4, 5): `gsl_odeiv2_step_rkck`.
    case rkck
    /// Embedded Runge-Kutta-Fehlberg (4, 5): `gsl_odeiv2_step_rkf45`.
    case rkf45
    /// Explicit 4th-order Runge-Kutta with step doubling: `gsl_odeiv2_step_rk4`.
    case rk4
    /// Variable-order BDF (implicit, for the stiff tail after convergence):
    /// `gsl_odeiv2_step_msbdf`, Jacobian by central differences.
    case msbdf
    /// Bulirsch-Stoer-Bader-Deuflhard (implicit): `gsl_odeiv2_step_bsimp`, Jacobian by central differences.
    case bsimp
    /// Implicit 4th-order Gaussian Runge-Kutta: `gsl_odeiv2_step_rk4imp`, Jacobian by central differences.
    case rk4imp

    /// Whether the stepper needs the Jacobian `∂f/∂y`.
    public var isImplicit: Bool { self == .msbdf || self == .bsimp || self == .rk4imp }

    var gslType: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .auto, .rk8pd: return gsl_odeiv2_step_rk8pd
        case .rkck: return gsl_odeiv2_step_rkck
        case .rkf45: return gsl_odeiv2_step_rkf45
        case .rk4: return gsl_odeiv2_step_rk4
        case .msbdf: return gsl_odeiv2_step_msbdf
        case .bsimp: return gsl_odeiv2_step_bsimp
        case .rk4imp: return gsl_odeiv2_step_rk4imp
        }
    }
}


/// Tolerances and limits of the adaptive integrator (the *algorithm*, chosen at
/// solve time, separate from the problem).
public struct IntegratorSettings: Equatable, Sendable, Codable {
    /// Which `odeiv2` stepper.
    public var stepper: StepperKind = .auto
    /// Relative tolerance of the error control (`gsl_odeiv2_control_y_new`).
    public var rtol: Double = 1e-8
    /// Absolute tolerance of the error control.
    public var atol: Double = 1e-12
    /// First trial step.
    public var initialStep: Double = 1e-3
    /// A step below `minStep · max(1, |t|)` is a failure (step-size underflow).
    public var minStep: Double = 1e-14
    /// At most this many accepted steps.
    public var maxSteps: Int = 5_000_000
    /// With `.auto`: accepted `rk8pd` steps after which the solve continues with `msbdf`.
    public var stiffAfter: Int = 5_000
    /// `stiffAfter` for a flow with an EMA target block (a linear relaxation at rate 1/τ).
    public static let stiffAfterEMA = 500
    /// Whose code takes the `rk8pd` steps (results are bit for bit the same).
    public var engine: ODEEngine = .native
    /// Where the steps must end besides `t_end` (SciML's `tstops`).
    public var stops: StepStops = .none

    /// Defaults: auto (rk8pd, then msbdf on a stiff tail), rtol 1e-8, atol 1e-12.
    public init(stepper: StepperKind = .auto, rtol: Double = 1e-8, atol: Double = 1e-12,
                initialStep: Double = 1e-3, minStep: Double = 1e-14, maxSteps: Int = 5_000_000,
                stiffAfter: Int = 5_000) {
        self.stepper = stepper; self.rtol = rtol; self.atol = atol
        self.initialStep = initialStep; self.minStep = minStep; self.maxSteps = maxSteps
        self.stiffAfter = stiffAfter
    }

    /// These settings with another stepper.
    public func with(stepper: StepperKind) -> IntegratorSettings {
        var s = self
        s.stepper = stepper
        return s
    }
}

/// Whose code takes the accepted `rk8pd` steps. Both give the same bits
/// (`NativeStepperTests`); the other steppers and event location are always GSL's.
public enum ODEEngine: String, CaseIterable, Sendable, Codable {
    /// `PrinceDormand8`: GSL's rk8pd, evolve and `y_new` control transcribed to Swift,
    /// calling the right-hand side without the C callback (faster on small states).
    case native
    /// GSL's `gsl_odeiv2_evolve_apply` with `gsl_odeiv2_step_rk8pd`.
    case gsl
}

/// Where a solve's steps must end besides `t_end` (SciML's `tstops`).
public enum StepStops: String, CaseIterable, Sendable, Codable {
    /// Nowhere else: the steps do not depend on the recording times (SciML's `saveat`),
    /// so the events and the final state are the same for any recording times.
    case none
    /// At every recording time too (`tstops = saveat`): each sample is a step's end
    /// state, and events move with the recording times (by up to the error tolerance).
    /// headflow's results before the steps were made independent of the recording times.
    case samples
}

/// The right-hand side `dy/dt = f(t, y)`: writes `f` into the output buffer and
/// returns false when it cannot (a non-finite value), which stops the step.
public typealias VectorField = (_ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>) -> Bool

private final class FieldBox {
    let field: VectorField
    let n: Int
    var evaluations = 0
    private var yWork: [Double], fPlus: [Double], fMinus: [Double]
    init(_ f: @escaping VectorField, n: Int) {
        field = f; self.n = n
        yWork = Array(repeating: 0, count: n); fPlus = yWork; fMinus = yWork
    }

    /// `∂f_i/∂y_c` by central differences, step `ε^{1/3} max(|y_c|, 1e-3)`,
    /// into `dfdy` (row-major n×n). The field is autonomous: `∂f/∂t = 0`.
    func jacobian(_ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>) -> Bool {
        for i in 0..<n { yWork[i] = y[i]; dfdt[i] = 0 }
        let cube = 6.055454452393343e-06 // ε^{1/3} for doubles
        for c in 0..<n {
            let h = cube * max(abs(y[c]), 1e-3)
            yWork[c] = y[c] + h
            var ok = yWork.withUnsafeBufferPointer { yp in fPlus.withUnsafeMutableBufferPointer { field(0, yp, $0) } }
            yWork[c] = y[c] - h
            ok = ok && yWork.withUnsafeBufferPointer { yp in fMinus.withUnsafeMutableBufferPointer { field(0, yp, $0) } }
            yWork[c] = y[c]
            evaluations += 2
            if !ok { return false }
            for i in 0..<n { dfdy[i * n + c] = (fPlus[i] - fMinus[i]) / (2 * h) }
        }
        return true
    }
}

private let jacobianTrampoline: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { _, y, dfdy, dfdt, params in
    let box = Unmanaged<FieldBox>.fromOpaque(params!).takeUnretainedValue()
    return box.jacobian(y!, dfdy!, dfdt!) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
}

// The integrator owns the box for as long as GSL may call back: a guaranteed
// reference, no retain and release per evaluation.
private let trampoline: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { t, y, dydt, params in
    Unmanaged<FieldBox>.fromOpaque(params!)._withUnsafeGuaranteedRef { box in
        box.evaluations += 1
        let ok = box.field(t, UnsafeBufferPointer(start: y, count: box.n), UnsafeMutableBufferPointer(start: dydt, count: box.n))
        return ok ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    }
}

/// An adaptive, error-controlled integrator over GSL `odeiv2`.
///
/// `step` advances by one accepted step (so that callers can watch events at
/// every step); `advance` integrates to a given time (used to locate events by
/// bisection from a saved state). Not thread-safe; one per solve.
public final class ODEIntegrator {
    /// Dimension of the state.
    public let dimension: Int
    /// The settings in force.
    public let settings: IntegratorSettings
    private let box: FieldBox
    private let system: UnsafeMutablePointer<gsl_odeiv2_system>
    /// GSL's stepping state; nil when `native` takes the steps.
    private let driver: UnsafeMutablePointer<gsl_odeiv2_driver>?
    private let locator: UnsafeMutablePointer<gsl_odeiv2_driver>
    private let native: PrinceDormand8?
    private var h: Double
    /// Accepted steps taken by `step`.
    public private(set) var steps = 0

    /// The current step size (to continue with another integrator).
    public var stepSize: Double { h }

    /// Right-hand-side evaluations so far (all steps and event location).
    public var evaluations: Int { box.evaluations + (native?.evaluations ?? 0) }

    /// Sets up stepper, error control and evolution for a system of size `dimension`
    /// (`.auto` steps with `rk8pd` here; the switch to `msbdf` is the solver's).
    public init(dimension: Int, settings: IntegratorSettings, field: @escaping VectorField) {
        GSLRuntime.ensure()
        self.dimension = dimension
        self.settings = settings
        box = FieldBox(field, n: dimension)
        // GSL keeps a pointer to the system: it lives on the heap at a fixed address.
        system = .allocate(capacity: 1)
        system.initialize(to: gsl_odeiv2_system(function: trampoline,
                                                jacobian: settings.stepper.isImplicit ? jacobianTrampoline : nil,
                                                dimension: dimension,
                                                params: Unmanaged.passUnretained(box).toOpaque()))
        h = settings.initialStep
        let type = settings.stepper.gslType
        locator = gsl_odeiv2_driver_alloc_y_new(system, type, settings.initialStep, settings.atol, settings.rtol)!
        let rk8pd = settings.stepper == .rk8pd || settings.stepper == .auto
        native = rk8pd && settings.engine == .native
            ? PrinceDormand8(dimension: dimension, atol: settings.atol, rtol: settings.rtol, field: field) : nil
        driver = native == nil
            ? gsl_odeiv2_driver_alloc_y_new(system, type, settings.initialStep, settings.atol, settings.rtol)! : nil
    }

    deinit {
        if let driver { gsl_odeiv2_driver_free(driver) }
        gsl_odeiv2_driver_free(locator)
        system.deinitialize(count: 1)
        system.deallocate()
    }

    /// One accepted adaptive step from `t` towards `t1` (never past it);
    /// updates `t` and `y` in place.
    public func step(t: inout Double, to t1: Double, y: inout [Double]) throws(IntegrationFailure) {
        if steps >= settings.maxSteps { throw .tooManySteps(time: t, steps: settings.maxSteps) }
        var hNext = h  // a local: no exclusivity check on the class's stored property per step
        let status = y.withUnsafeMutableBufferPointer { yp in
            if let native {
                switch native.apply(t: &t, to: t1, h: &hNext, y: yp.baseAddress!) {
                case .success: return Int32(GSL_SUCCESS)
                case .badFunction: return Int32(GSL_EBADFUNC)
                case .failure: return Int32(GSL_FAILURE)
                case .invalid: return Int32(GSL_EINVAL)
                }
            }
            let driver = driver!
            return gsl_odeiv2_evolve_apply(driver.pointee.e, driver.pointee.c, driver.pointee.s, system, &t, t1, &hNext,
                                           yp.baseAddress)
        }
        h = hNext
        steps += 1
        try check(status: status, t: t, y: y)
        if h < settings.minStep * max(1, abs(t)) && t < t1 { throw .stepUnderflow(time: t, step: h) }
    }

    /// Integrates a copy of `y0` from `t0` to `t1` with the same tolerances
    /// (a separate driver, so the main stepping state is untouched).
    public func advance(from t0: Double, _ y0: [Double], to t1: Double) throws(IntegrationFailure) -> [Double] {
        try advance(from: t0, y0, through: [t1])[0]
    }

    /// The states at `times` (increasing, after `t0`), integrating a copy of `y0` from `t0`
    /// through each in turn with the separate driver (one start, so an implicit stepper
    /// keeps its order and Jacobian from one time to the next).
    public func advance(from t0: Double, _ y0: [Double], through times: [Double]) throws(IntegrationFailure) -> [[Double]] {
        if times.isEmpty { return [] }
        var y = y0, t = t0
        var states: [[Double]] = []
        states.reserveCapacity(times.count)
        gsl_odeiv2_driver_reset(locator)
        if let first = times.first, first > t0 {
            gsl_odeiv2_driver_reset_hstart(locator, max(min(h, first - t0), settings.minStep))
        }
        for t1 in times {
            if t1 != t {
                let status = y.withUnsafeMutableBufferPointer { gsl_odeiv2_driver_apply(locator, &t, t1, $0.baseAddress) }
                try check(status: status, t: t, y: y)
            }
            states.append(y)
        }
        return states
    }

    private func check(status: Int32, t: Double, y: [Double]) throws(IntegrationFailure) {
        var finite = true
        for v in y where !v.isFinite { finite = false; break }
        if status == GSL_EBADFUNC || !finite { throw .nonFinite(time: t) }
        if status != GSL_SUCCESS { throw .gsl(time: t, status: status, message: GSLRuntime.describe(status)) }
    }
}
