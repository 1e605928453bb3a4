/// Whose code takes the accepted `rk8pd` steps. Both give the same bits
/// (`NativeStepperTests`); the other steppers and event location are always GSL's.
public enum ODEEngine: String, CaseIterable, Sendable, Codable {
    /// `PrinceDormand8`: GSL's rk8pd, evolve and `y_new` control transcribed to Swift,
    /// calling the right-hand side without the C callback (faster on small states).
    case native
    /// GSL's `gsl_odeiv2_evolve_apply` with `gsl_odeiv2_step_rk8pd`.
    case gsl
}
