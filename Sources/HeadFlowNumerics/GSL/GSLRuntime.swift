@preconcurrency import CGSL

/// One-time set-up of the GSL runtime.
///
/// GSL's default error handler aborts the process; headflow turns GSL statuses
/// into Swift errors instead, so the handler is switched off before any GSL call.
enum GSLRuntime {
    /// Evaluated once, on first use (thread-safe lazy global).
    static let ready: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// Call before the first GSL routine of any entry point.
    @inline(__always)
    static func ensure() { _ = ready }

    /// GSL's text for a status code (`gsl_strerror`).
    static func describe(_ status: Int32) -> String {
        String(cString: gsl_strerror(status))
    }
}
