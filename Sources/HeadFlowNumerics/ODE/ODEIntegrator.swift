@preconcurrency import CGSL

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
