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
