/// Where each block of the reduced state sits in the flat vector the
/// integrator sees: `[A (k×m), R (m×m), E (m×m)]`, each row-major, followed by
/// any blocks a variant adds (e.g. a target network's `[A_tg; R_tg]`). The one
/// place that knows the offsets: the objective, the events and the state
/// conversion all read them here.
public struct StateLayout: Equatable, Hashable, Sendable {
    /// Features `k`.
    public let features: Int
    /// Neurons `m`.
    public let neurons: Int
    /// Values after `E` that a variant adds (0 for the paper's flow).
    public let extra: Int

    /// The layout for `k` features and `m` neurons, with `extra` values after `E`.
    public init(features k: Int, neurons m: Int, extra: Int = 0) {
        features = k; neurons = m; self.extra = extra
    }

    /// Offset of `A`: `a_{ℓj}` is at `a + ℓ·m + j`.
    public var a: Int { 0 }
    /// Offset of `R`: `R_{lj}` is at `r + l·m + j`.
    public var r: Int { features * neurons }
    /// Offset of `E`: `E_{jr}` is at `e + j·m + r`.
    public var e: Int { features * neurons + neurons * neurons }
    /// Offset of the variant's extra values (after `E`).
    public var extraOffset: Int { features * neurons + 2 * neurons * neurons }
    /// Length of the flat vector: `k·m + 2m² + extra`.
    public var count: Int { extraOffset + extra }

    /// `‖w_j‖² = Σ_ℓ a_{ℓj}² + Σ_l R_{lj}²` (`B_jj = (RᵀR)_jj`) read off a flat state.
    @inlinable
    public func normSquared(_ y: UnsafeBufferPointer<Double>, neuron j: Int) -> Double {
        var n2 = 0.0
        for l in 0..<features { let x = y[a + l * neurons + j]; n2 += x * x }
        for q in 0..<neurons { let x = y[r + q * neurons + j]; n2 += x * x }
        return n2
    }
}
