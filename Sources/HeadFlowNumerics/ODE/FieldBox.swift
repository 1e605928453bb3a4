@preconcurrency import CGSL

/// The Swift side of GSL's callbacks: the vector field, its dimension, a count of its
/// evaluations, and the central-difference Jacobian the implicit steppers ask for.
/// `ODEIntegrator` owns one and passes it to GSL as the system's `params`.
final class FieldBox {
    let field: VectorField
    let n: Int
    var evaluations = 0
    private var yWork: [Double], fPlus: [Double], fMinus: [Double]
    init(_ f: @escaping VectorField, n: Int) {
        field = f; self.n = n
        yWork = Array(repeating: 0, count: n); fPlus = yWork; fMinus = yWork
    }

    /// `∂f_i/∂y_c` by central differences, step `ε^{1/3} max(|y_c|, 1e-3)`,
    /// into `dfdy` (row-major n×n). The field is autonomous: `∂f/∂t = 0`.
    func jacobian(_ y: UnsafePointer<Double>, _ dfdy: UnsafeMutablePointer<Double>, _ dfdt: UnsafeMutablePointer<Double>) -> Bool {
        for i in 0..<n { yWork[i] = y[i]; dfdt[i] = 0 }
        let cube = 6.055454452393343e-06 // ε^{1/3} for doubles
        for c in 0..<n {
            let h = cube * max(abs(y[c]), 1e-3)
            yWork[c] = y[c] + h
            var ok = yWork.withUnsafeBufferPointer { yp in fPlus.withUnsafeMutableBufferPointer { field(0, yp, $0) } }
            yWork[c] = y[c] - h
            ok = ok && yWork.withUnsafeBufferPointer { yp in fMinus.withUnsafeMutableBufferPointer { field(0, yp, $0) } }
            yWork[c] = y[c]
            evaluations += 2
            if !ok { return false }
            for i in 0..<n { dfdy[i * n + c] = (fPlus[i] - fMinus[i]) / (2 * h) }
        }
        return true
    }
}

/// GSL's Jacobian callback: `FieldBox.jacobian` of the box in `params`.
let jacobianTrampoline: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { _, y, dfdy, dfdt, params in
    let box = Unmanaged<FieldBox>.fromOpaque(params!).takeUnretainedValue()
    return box.jacobian(y!, dfdy!, dfdt!) ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
}

/// GSL's right-hand-side callback: the field of the box in `params`, counted.
/// The integrator owns the box for as long as GSL may call back: a guaranteed
/// reference, no retain and release per evaluation.
let trampoline: @convention(c) (Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?) -> Int32 = { t, y, dydt, params in
    Unmanaged<FieldBox>.fromOpaque(params!)._withUnsafeGuaranteedRef { box in
        box.evaluations += 1
        let ok = box.field(t, UnsafeBufferPointer(start: y, count: box.n), UnsafeMutableBufferPointer(start: dydt, count: box.n))
        return ok ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    }
}
