import HeadFlowNumerics

/// The exact reduced state of the population flow (docs/MODEL.md §4).
///
/// `A = Vᵀ W` (k×m, `a_{ℓj} = ⟨w_j, v_ℓ⟩`), `R` (m×m) with `Π W = U R` for a
/// fixed orthonormal `U`, so `B = Wᵀ Π W = Rᵀ R`, and the head `E` (m×m). Its
/// size does not depend on `d`.
public struct ReducedState: Equatable, Sendable {
    /// `A = Vᵀ W`: row `ℓ`, column `j` is `a_{ℓj}`.
    public var a: Matrix
    /// `R` with `Rᵀ R = B` (the neurons' noise-space parts in an orthonormal basis).
    public var r: Matrix
    /// The prediction head `E`.
    public var e: Matrix

    /// Features `k`.
    public var features: Int { a.rows }
    /// Neurons `m`.
    public var neurons: Int { a.cols }

    /// A state from its three blocks (`a` k×m, `r` and `e` m×m).
    public init(a: Matrix, r: Matrix, e: Matrix) {
        precondition(r.rows == a.cols && r.cols == a.cols && e.rows == a.cols && e.cols == a.cols,
                     "ReducedState: A must be k×m and R, E m×m")
        self.a = a; self.r = r; self.e = e
    }

    /// `B = Rᵀ R = Wᵀ Π W`.
    public var b: Matrix { r.transposed * r }

    /// `‖w_j‖ = sqrt(Σ_ℓ a_{ℓj}² + B_jj)` for each neuron.
    public var norms: [Double] {
        let bb = b
        return (0..<neurons).map { j in
            ((0..<features).reduce(0) { $0 + a[$1, j] * a[$1, j] } + bb[j, j]).squareRoot()
        }
    }

    /// `cos_{ℓj} = a_{ℓj} / ‖w_j‖` (k×m). A neuron with `‖w_j‖ = 0` has cosines NaN.
    public var cosines: Matrix {
        let n = norms
        var c = a
        for l in 0..<features { for j in 0..<neurons { c[l, j] = a[l, j] / n[j] } }
        return c
    }

    // MARK: - Flat form for the integrator (`StateLayout`: [A, R, E], each row-major)

    /// The layout of this state's flat form (no extra blocks).
    public var layout: StateLayout { StateLayout(features: features, neurons: neurons) }

    /// The state as one vector `[A, R, E]` (each row-major), as `layout` places them.
    public var flat: [Double] { a.storage + r.storage + e.storage }

    /// Reads the `[A, R, E]` blocks back from a flat vector laid out by `layout`
    /// (extra blocks after `E` are ignored).
    public init(flat y: [Double], layout: StateLayout) {
        precondition(y.count == layout.count, "ReducedState: wrong flat length")
        let k = layout.features, m = layout.neurons
        a = Matrix(rows: k, cols: m, storage: Array(y[layout.a..<layout.r]))
        r = Matrix(rows: m, cols: m, storage: Array(y[layout.r..<layout.e]))
        e = Matrix(rows: m, cols: m, storage: Array(y[layout.e..<layout.extraOffset]))
    }

    /// Reads a state back from `flat` (`features`·`neurons` + 2·`neurons`² values: `[A, R, E]`).
    public init(flat y: [Double], features k: Int, neurons m: Int) {
        self.init(flat: y, layout: StateLayout(features: k, neurons: m))
    }

    /// Length of the flat vector `[A, R, E]`, `k·m + 2m²`.
    public static func flatCount(features k: Int, neurons m: Int) -> Int { StateLayout(features: k, neurons: m).count }
}
