import HeadFlowNumerics
import HeadFlowDynamics

// MARK: - Setting a parameter by name

extension RunSpec {
    /// Sets `parameter` to `value` (the sweep's way to build a cell from the base
    /// spec). Checks only what setting needs — an entry exists, a value has the
    /// parameter's form (an integer, a known name, a seed ≥ 0); `validate()` checks ranges. Throws a `ParameterError`
    /// naming the parameter.
    public mutating func set(_ parameter: SweepParameter, to value: SweepValue) throws(ParameterError) {
        let name = parameter.name
        func real() throws(ParameterError) -> Double {
            guard let x = value.number, x.isFinite else { throw ParameterError("vary", must: "\(name)=finite numbers", got: "\(value)") }
            return x
        }
        switch parameter.key {
        case .run(let p): try p.assign(value, to: &self)
        case .etaERatio: etaE = try real() * eta
        case .alpha(let l):
            guard l < alpha.count else {
                throw ParameterError("vary", must: "alpha[ℓ] with ℓ ≤ k = \(alpha.count) (the entries of --alpha)", got: name)
            }
            alpha[l] = try real()
        case .alphaRatio:
            guard alpha.count >= 2 else {
                throw ParameterError("vary", must: "alpha-ratio with k ≥ 2 magnitudes in --alpha", got: "--alpha \(alpha)")
            }
            alpha[1] = NumberFormat.decimalRounded(try real() * alpha[0])
        case .initA(let l, let j):
            guard var a = initA else {
                throw ParameterError("vary", must: "\(name) together with a base --init-a to vary", got: "no --init-a")
            }
            guard l < a.rows, j < a.cols else {
                throw ParameterError("vary", must: "init-a[ℓ,j] with ℓ ≤ \(a.rows), j ≤ \(a.cols) (the shape of --init-a)", got: name)
            }
            a[l, j] = try real()
            initA = a
        case .initB(let j, let r):
            guard var b = initB else {
                throw ParameterError("vary", must: "\(name) together with a base --init-b to vary", got: "no --init-b")
            }
            guard j < b.rows, r < b.cols else {
                throw ParameterError("vary", must: "init-b[j,r] with j, r ≤ \(b.rows) (the shape of --init-b)", got: name)
            }
            let x = try real()
            b[j, r] = x
            b[r, j] = x  // B(0) stays symmetric
            initB = b
        }
    }
}
