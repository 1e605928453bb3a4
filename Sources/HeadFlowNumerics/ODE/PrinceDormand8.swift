import Foundation

/// GSL's `rk8pd` step with its `gsl_odeiv2_evolve_apply` loop and `y_new` error
/// control, transcribed to Swift: the same floating-point operations in the same
/// order on the same operands, so every accepted step, step size and state is
/// bit for bit GSL's (tested against `gsl_odeiv2_evolve_apply` in
/// `NativeStepperTests`).
///
/// Why it exists: in a random-start ensemble (k = m = 2, a 12-value state) GSL's
/// stage sums, its step-size control and the C callback layers took a third of
/// each cell's time (`scripts/bench` §4; README.md, "Speed"). Here the right-hand
/// side is called directly and the stage sums take two lanes (`SIMD2`) at a time.
/// `IntegratorSettings.engine = .gsl` (`--ode-engine gsl`) keeps GSL's own code.
///
/// The method: Prince & Dormand's embedded Runge-Kutta 8(7), 13 stages, order 8
/// (`Abar`) with the 7th-order solution (`A`) for the error estimate; the first
/// stage reuses the previous step's end derivative. Error control
/// `D_i = rtol·|y_i| + atol`; a step with `max_i |err_i|/D_i > 1.1` is retried
/// with `h·max(0.2, 0.9·r^{-1/8})`, one below 0.5 grows the next `h` by
/// `min(5, max(1, 0.9·r^{-1/9}))`.
final class PrinceDormand8 {
    /// What one `apply` ended with (GSL's `GSL_SUCCESS`, `GSL_EBADFUNC`, `GSL_FAILURE`, `GSL_EINVAL`).
    enum Status { case success, badFunction, failure, invalid }

    /// Dimension of the state.
    let dimension: Int
    /// Right-hand-side evaluations so far.
    private(set) var evaluations = 0
    private let field: VectorField
    private let epsAbs: Double, epsRel: Double
    /// `dimension` rounded up to even: every buffer has this many lanes, the last one 0 when odd.
    private let width: Int
    /// `k1 … k13`, `ytmp`, `y0`, `dydt_in`, `dydt_out`, `yerr` and the padded copy of the state
    /// (GSL keeps `y0` twice, in the evolution and in the step; both always hold the step's start).
    private let work: UnsafeMutablePointer<Double>
    /// Whether `dydt_out` holds the derivative at the state (GSL: `count > 0`).
    private var started = false

    /// A stepper for a system of size `dimension` with tolerances `atol` (absolute), `rtol` (relative).
    init(dimension: Int, atol: Double, rtol: Double, field: @escaping VectorField) {
        self.dimension = dimension
        self.field = field
        epsAbs = atol; epsRel = rtol
        width = (max(dimension, 1) + 1) / 2 * 2
        work = .allocate(capacity: 19 * width)
        work.initialize(repeating: 0, count: 19 * width)
    }

    deinit { work.deallocate() }

    private func k(_ i: Int) -> UnsafeMutablePointer<Double> { work + i * width }

    /// `gsl_odeiv2_evolve_apply`: one accepted step from `t` towards `t1` (exactly
    /// to `t1` when `h` would pass it), retrying with a smaller `h` while the error
    /// is too large. Updates `t`, `h` (the suggested next step) and `y` (`dimension` values) in place.
    func apply(t: inout Double, to t1: Double, h: inout Double, y state: UnsafeMutablePointer<Double>) -> Status {
        let n = dimension, w = width
        let t0 = t
        var h0 = h
        let dt = t1 - t0
        if (dt < 0 && h0 > 0) || (dt > 0 && h0 < 0) { return .invalid }
        let y0 = k(14), dydtIn = k(15), dydtOut = k(16), yerr = k(17), y = k(18)
        y.update(from: state, count: n)
        defer { state.update(from: y, count: n) }
        y0.update(from: y, count: w)
        if !started {
            evaluations += 1
            if !field(t0, UnsafeBufferPointer(start: y, count: n), UnsafeMutableBufferPointer(start: dydtIn, count: n)) {
                return .badFunction
            }
        } else {
            dydtIn.update(from: dydtOut, count: w)
        }
        while true {
            var finalStep = false
            if (dt >= 0 && h0 > dt) || (dt < 0 && h0 < dt) { h0 = dt; finalStep = true }
            if !step(t: t0, h: h0, y: y, y0: y0, yerr: yerr, dydtIn: dydtIn, dydtOut: dydtOut) { return .badFunction }
            started = true
            t = finalStep ? t1 : t0 + h0
            let hOld = h0
            if adjust(y: y, yerr: yerr, dydt: dydtOut, h: &h0) {
                if abs(h0) < abs(hOld) && t + h0 != t {
                    y.update(from: y0, count: w)
                    continue
                }
                h = h0
                return .failure
            }
            if !finalStep { h = h0 }
            return .success
        }
    }

    /// `std_control_hadjust` for `y_new` (a_y = 1, a_dydt = 0), order 8: true when
    /// the step must be retried with the smaller `h` it writes.
    private func adjust(y: UnsafeMutablePointer<Double>, yerr: UnsafeMutablePointer<Double>,
                        dydt: UnsafeMutablePointer<Double>, h: inout Double) -> Bool {
        let aY = 1.0, aDydt = 0.0, s = 0.9, order = 8.0
        let hOld = h
        var rmax = Double.leastNormalMagnitude
        for i in 0..<dimension {
            let d0 = epsRel * (aY * abs(y[i]) + aDydt * abs(hOld * dydt[i])) + epsAbs
            let r = abs(yerr[i]) / abs(d0)
            rmax = r > rmax ? r : rmax
        }
        if rmax > 1.1 {
            var r = s / pow(rmax, 1.0 / order)
            if r < 0.2 { r = 0.2 }
            h = r * hOld
            return true
        } else if rmax < 0.5 {
            var r = s / pow(rmax, 1.0 / (order + 1.0))
            if r > 5.0 { r = 5.0 }
            if r < 1.0 { r = 1.0 }
            h = r * hOld
        }
        return false
    }

    /// `rk8pd_apply` on the padded copy `y` (`width` values, lanes past `dimension`
    /// stay 0; `y0` holds the same values): the 13 stages from `y` (first stage `dydtIn`),
    /// `y ← y + h Σ Abar_i k_i`, `dydtOut = f(y)`, `yerr = h (Σ A_i k_i − Σ Abar_i k_i)`.
    /// False (with `y` restored from `y0`) when `f` fails. Two lanes at a time: each lane
    /// is GSL's scalar expression.
    private func step(t: Double, h: Double, y: UnsafeMutablePointer<Double>, y0: UnsafeMutablePointer<Double>,
                      yerr: UnsafeMutablePointer<Double>,
                      dydtIn: UnsafeMutablePointer<Double>, dydtOut: UnsafeMutablePointer<Double>) -> Bool {
        typealias C = PrinceDormand8Tableau
        let w = width
        let k1 = k(0), k2 = k(1), k3 = k(2), k4 = k(3), k5 = k(4), k6 = k(5), k7 = k(6)
        let k8 = k(7), k9 = k(8), k10 = k(9), k11 = k(10), k12 = k(11), k13 = k(12), ytmp = k(13)
        @inline(__always) func v(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD2<Double> {
            UnsafeRawPointer(p + i).loadUnaligned(as: SIMD2<Double>.self)
        }
        @inline(__always) func put(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ x: SIMD2<Double>) {
            UnsafeMutableRawPointer(p + i).storeBytes(of: x, as: SIMD2<Double>.self)
        }
        let lanes = stride(from: 0, to: w, by: 2)
        let n = dimension, field = field
        var calls = 0
        defer { evaluations += calls }
        @inline(__always) func eval(_ t: Double, _ y: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Bool {
            calls += 1
            return field(t, UnsafeBufferPointer(start: y, count: n), UnsafeMutableBufferPointer(start: out, count: n))
        }
        let (b3, b4, b5, b6, b7, b8) = (C.b3, C.b4, C.b5, C.b6, C.b7, C.b8)
        let (b9, b10, b11, b12, b13, abar, a) = (C.b9, C.b10, C.b11, C.b12, C.b13, C.abar, C.a)
        k1.update(from: dydtIn, count: w)
        for i in lanes { put(ytmp, i, v(y, i) + C.b21 * h * v(k1, i)) }
        guard eval(t + C.ah[0] * h, ytmp, k2) else { return false }
        for i in lanes { put(ytmp, i, v(y, i) + h * (b3[0] * v(k1, i) + b3[1] * v(k2, i))) }
        guard eval(t + C.ah[1] * h, ytmp, k3) else { return false }
        for i in lanes { put(ytmp, i, v(y, i) + h * (b4[0] * v(k1, i) + b4[2] * v(k3, i))) }
        guard eval(t + C.ah[2] * h, ytmp, k4) else { return false }
        for i in lanes { put(ytmp, i, v(y, i) + h * (b5[0] * v(k1, i) + b5[2] * v(k3, i) + b5[3] * v(k4, i))) }
        guard eval(t + C.ah[3] * h, ytmp, k5) else { return false }
        for i in lanes { put(ytmp, i, v(y, i) + h * (b6[0] * v(k1, i) + b6[3] * v(k4, i) + b6[4] * v(k5, i))) }
        guard eval(t + C.ah[4] * h, ytmp, k6) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b7[0] * v(k1, i) + b7[3] * v(k4, i)
            s += b7[4] * v(k5, i); s += b7[5] * v(k6, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + C.ah[5] * h, ytmp, k7) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b8[0] * v(k1, i) + b8[3] * v(k4, i)
            s += b8[4] * v(k5, i); s += b8[5] * v(k6, i); s += b8[6] * v(k7, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + C.ah[6] * h, ytmp, k8) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b9[0] * v(k1, i) + b9[3] * v(k4, i)
            s += b9[4] * v(k5, i); s += b9[5] * v(k6, i); s += b9[6] * v(k7, i); s += b9[7] * v(k8, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + C.ah[7] * h, ytmp, k9) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b10[0] * v(k1, i) + b10[3] * v(k4, i)
            s += b10[4] * v(k5, i); s += b10[5] * v(k6, i); s += b10[6] * v(k7, i); s += b10[7] * v(k8, i)
            s += b10[8] * v(k9, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + C.ah[8] * h, ytmp, k10) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b11[0] * v(k1, i) + b11[3] * v(k4, i)
            s += b11[4] * v(k5, i); s += b11[5] * v(k6, i); s += b11[6] * v(k7, i); s += b11[7] * v(k8, i)
            s += b11[8] * v(k9, i); s += b11[9] * v(k10, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + C.ah[9] * h, ytmp, k11) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b12[0] * v(k1, i) + b12[3] * v(k4, i)
            s += b12[4] * v(k5, i); s += b12[5] * v(k6, i); s += b12[6] * v(k7, i); s += b12[7] * v(k8, i)
            s += b12[8] * v(k9, i); s += b12[9] * v(k10, i); s += b12[10] * v(k11, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + h, ytmp, k12) else { return false }
        for i in lanes {
            var s: SIMD2<Double> = b13[0] * v(k1, i) + b13[3] * v(k4, i)
            s += b13[4] * v(k5, i); s += b13[5] * v(k6, i); s += b13[6] * v(k7, i); s += b13[7] * v(k8, i)
            s += b13[8] * v(k9, i); s += b13[9] * v(k10, i); s += b13[10] * v(k11, i); s += b13[11] * v(k12, i)
            put(ytmp, i, v(y, i) + h * s)
        }
        guard eval(t + h, ytmp, k13) else { return false }
        // Σ Abar_i k_i and Σ A_i k_i, each summed left to right as GSL writes them.
        @inline(__always) func ksum8(_ i: Int) -> SIMD2<Double> {
            var s: SIMD2<Double> = abar[0] * v(k1, i) + abar[5] * v(k6, i)
            s += abar[6] * v(k7, i); s += abar[7] * v(k8, i); s += abar[8] * v(k9, i); s += abar[9] * v(k10, i)
            s += abar[10] * v(k11, i); s += abar[11] * v(k12, i); s += abar[12] * v(k13, i)
            return s
        }
        @inline(__always) func ksum7(_ i: Int) -> SIMD2<Double> {
            var s: SIMD2<Double> = a[0] * v(k1, i) + a[5] * v(k6, i)
            s += a[6] * v(k7, i); s += a[7] * v(k8, i); s += a[8] * v(k9, i); s += a[9] * v(k10, i)
            s += a[10] * v(k11, i); s += a[11] * v(k12, i)
            return s
        }
        for i in lanes { put(y, i, v(y, i) + h * ksum8(i)) }
        guard eval(t + h, y, dydtOut) else {
            y.update(from: y0, count: w)
            return false
        }
        for i in lanes { put(yerr, i, h * (ksum7(i) - ksum8(i))) }

        return true
    }
}

/// The Butcher tableau of Prince-Dormand 8(7) exactly as GSL's `rk8pd.c` writes it
/// (the same rational literals, so the same rounded doubles): `ah` the stage times,
/// `bN` the stage-N weights, `abar` the 8th-order and `a` the 7th-order weights.
enum PrinceDormand8Tableau {
    static let abar: InlineArray<13, Double> = [
        14005451.0 / 335480064.0, 0.0, 0.0, 0.0, 0.0, -59238493.0 / 1068277825.0, 181606767.0 / 758867731.0,
        561292985.0 / 797845732.0, -1041891430.0 / 1371343529.0, 760417239.0 / 1151165299.0,
        118820643.0 / 751138087.0, -528747749.0 / 2220607170.0, 1.0 / 4.0]
    static let a: InlineArray<12, Double> = [
        13451932.0 / 455176623.0, 0.0, 0.0, 0.0, 0.0, -808719846.0 / 976000145.0, 1757004468.0 / 5645159321.0,
        656045339.0 / 265891186.0, -3867574721.0 / 1518517206.0, 465885868.0 / 322736535.0,
        53011238.0 / 667516719.0, 2.0 / 45.0]
    static let ah: InlineArray<10, Double> = [
        1.0 / 18.0, 1.0 / 12.0, 1.0 / 8.0, 5.0 / 16.0, 3.0 / 8.0, 59.0 / 400.0, 93.0 / 200.0,
        5490023248.0 / 9719169821.0, 13.0 / 20.0, 1201146811.0 / 1299019798.0]
    static let b21 = 1.0 / 18.0
    static let b3: InlineArray<2, Double> = [1.0 / 48.0, 1.0 / 16.0]
    static let b4: InlineArray<3, Double> = [1.0 / 32.0, 0.0, 3.0 / 32.0]
    static let b5: InlineArray<4, Double> = [5.0 / 16.0, 0.0, -75.0 / 64.0, 75.0 / 64.0]
    static let b6: InlineArray<5, Double> = [3.0 / 80.0, 0.0, 0.0, 3.0 / 16.0, 3.0 / 20.0]
    static let b7: InlineArray<6, Double> = [
        29443841.0 / 614563906.0, 0.0, 0.0, 77736538.0 / 692538347.0, -28693883.0 / 1125000000.0,
        23124283.0 / 1800000000.0]
    static let b8: InlineArray<7, Double> = [
        16016141.0 / 946692911.0, 0.0, 0.0, 61564180.0 / 158732637.0, 22789713.0 / 633445777.0,
        545815736.0 / 2771057229.0, -180193667.0 / 1043307555.0]
    static let b9: InlineArray<8, Double> = [
        39632708.0 / 573591083.0, 0.0, 0.0, -433636366.0 / 683701615.0, -421739975.0 / 2616292301.0,
        100302831.0 / 723423059.0, 790204164.0 / 839813087.0, 800635310.0 / 3783071287.0]
    static let b10: InlineArray<9, Double> = [
        246121993.0 / 1340847787.0, 0.0, 0.0, -37695042795.0 / 15268766246.0, -309121744.0 / 1061227803.0,
        -12992083.0 / 490766935.0, 6005943493.0 / 2108947869.0, 393006217.0 / 1396673457.0,
        123872331.0 / 1001029789.0]
    static let b11: InlineArray<10, Double> = [
        -1028468189.0 / 846180014.0, 0.0, 0.0, 8478235783.0 / 508512852.0, 1311729495.0 / 1432422823.0,
        -10304129995.0 / 1701304382.0, -48777925059.0 / 3047939560.0, 15336726248.0 / 1032824649.0,
        -45442868181.0 / 3398467696.0, 3065993473.0 / 597172653.0]
    static let b12: InlineArray<11, Double> = [
        185892177.0 / 718116043.0, 0.0, 0.0, -3185094517.0 / 667107341.0, -477755414.0 / 1098053517.0,
        -703635378.0 / 230739211.0, 5731566787.0 / 1027545527.0, 5232866602.0 / 850066563.0,
        -4093664535.0 / 808688257.0, 3962137247.0 / 1805957418.0, 65686358.0 / 487910083.0]
    static let b13: InlineArray<12, Double> = [
        403863854.0 / 491063109.0, 0.0, 0.0, -5068492393.0 / 434740067.0, -411421997.0 / 543043805.0,
        652783627.0 / 914296604.0, 11173962825.0 / 925320556.0, -13158990841.0 / 6184727034.0,
        3936647629.0 / 1978049680.0, -160528059.0 / 685178525.0, 248638103.0 / 1413531060.0, 0.0]
}
