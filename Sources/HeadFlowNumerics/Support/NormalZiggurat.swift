import RealModule

/// The ziggurat method for `N(0, 1)` (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000),
/// 128 layers, in the layout GSL's `gsl_ran_gaussian_ziggurat` uses: one 32-bit
/// word gives the layer (7 bits), the sign (1 bit) and a 24-bit abscissa; a draw
/// inside the layer's inner rectangle (≈ 98.8 %) is accepted at once, otherwise
/// the wedge or (base layer) the tail `x > r` is sampled exactly
/// (`PhiloxStream.standardNormal()` draws; `outside` handles the rest).
///
/// The tables are computed here from `r = 3.442619855899` and the common layer
/// area `v = 9.91256303526217·10⁻³` (Marsaglia & Tsang's constants for 128 layers):
/// `x₁ = r`, `x_{i+1} = f⁻¹(f(x_i) + v/x_i)`, `f(x) = exp(−x²/2)`, the base
/// layer's width `x₀ = v/f(r)` (its part beyond `r` is the tail's area), `x₁₂₈ = 0`.
package final class NormalZiggurat: @unchecked Sendable {
    /// The shared tables.
    package static let shared = NormalZiggurat()

    static let layers = 128
    static let r = 3.442619855899, v = 9.91256303526217e-3

    /// `w_i = x_i / 2²⁴` (abscissa of a 24-bit integer), `k_i = ⌊2²⁴ x_{i+1}/x_i⌋`
    /// (inner-rectangle threshold), `f_i = f(x_i)` (`f₀ = f(r)` for the base layer's wedge; unused).
    let w: UnsafeMutablePointer<Double>
    let k: UnsafeMutablePointer<UInt32>
    let f: UnsafeMutablePointer<Double>

    private init() {
        let n = Self.layers
        var x = [Double](repeating: 0, count: n + 1)
        func density(_ t: Double) -> Double { Double.exp(-0.5 * t * t) }
        x[0] = Self.v / density(Self.r); x[1] = Self.r
        for i in 1..<(n - 1) { x[i + 1] = (-2 * Double.log(density(x[i]) + Self.v / x[i])).squareRoot() }
        x[n] = 0
        w = .allocate(capacity: n); k = .allocate(capacity: n); f = .allocate(capacity: n + 1)
        for i in 0..<n {
            w[i] = x[i] * 0x1p-24
            k[i] = UInt32((x[i + 1] / x[i] * 0x1p24).rounded(.down))
        }
        for i in 0...n { f[i] = density(x[i]) }
    }

    /// Outside the inner rectangle: the tail (`i = 0`) or the wedge test; nil = reject.
    @inline(never)
    package func outside(layer i: Int, x: Double, _ stream: inout PhiloxStream) -> Double? {
        if i == 0 {
            // Marsaglia's tail: x = r + e₁/r, accepted when 2e₂ > (e₁/r)².
            while true {
                let a = -Double.log(stream.uniform()) / Self.r, b = -Double.log(stream.uniform())
                if 2 * b > a * a { return Self.r + a }
            }
        }
        let y = f[i] + stream.uniform() * (f[i + 1] - f[i])
        return y < Double.exp(-0.5 * x * x) ? x : nil
    }
}
