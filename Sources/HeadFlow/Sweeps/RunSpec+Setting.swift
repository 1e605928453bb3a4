// MARK: - Setting a parameter by name

extension RunSpec {
    /// Sets `parameter` to `value` (the sweep's way to build a cell from the base
    /// spec). Checks only what setting needs — an entry exists, a name is known,
    /// a seed is ≥ 0; `problem()` validates the result. Throws a `ParameterError`
    /// naming the parameter.
    public mutating func set(_ parameter: SweepParameter, to value: SweepValue) throws(ParameterError) {
        let name = parameter.name
        func real() throws(ParameterError) -> Double {
            guard let x = value.number, x.isFinite else { throw ParameterError("vary", must: "\(name)=finite numbers", got: "\(value)") }
            return x
        }
        func integer() throws(ParameterError) -> Int {
            guard case .integer(let i) = value else { throw ParameterError("vary", must: "\(name)=integers", got: "\(value)") }
            return i
        }
        switch parameter.key {
        case .d: d = try integer()
        case .patches: patches = try integer()
        case .featurePatches: featurePatches = try integer()
        case .neurons: neurons = try integer()
        case .points: points = try integer()
        case .maxSteps: maxSteps = try integer()
        case .seed:
            let s = try integer()
            guard s >= 0 else { throw ParameterError("seed", must: "an integer ≥ 0", got: "\(s)") }
            seed = UInt64(s)
        case .noise: noise = try real()
        case .maskProb: maskProb = try real()
        case .eta: eta = try real()
        case .etaE: etaE = try real()
        case .etaERatio: etaE = try real() * eta
        case .tEnd: tEnd = try real()
        case .initScale: initScale = try real()
        case .rtol: rtol = try real()
        case .atol: atol = try real()
        case .alpha(let l):
            guard l < alpha.count else {
                throw ParameterError("vary", must: "alpha[ℓ] with ℓ ≤ k = \(alpha.count) (the entries of --alpha)", got: name)
            }
            alpha[l] = try real()
        case .alphaRatio:
            guard alpha.count >= 2 else {
                throw ParameterError("vary", must: "alpha-ratio with k ≥ 2 magnitudes in --alpha", got: "--alpha \(alpha)")
            }
            alpha[1] = ValueSpec.decimalRounded(try real() * alpha[0])
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
        case .head:
            guard case .text(let t) = value, let h = HeadKind(rawValue: t) else {
                throw ParameterError("head", must: "one of " + HeadKind.allCases.map(\.rawValue).joined(separator: ", "), got: "\(value)")
            }
            head = h
        case .stepper:
            guard case .text(let t) = value, let s = StepperKind(rawValue: t) else {
                throw ParameterError("stepper", must: "one of " + StepperKind.allCases.map(\.rawValue).joined(separator: ", "), got: "\(value)")
            }
            stepper = s
        }
    }
}
