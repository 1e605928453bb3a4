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
