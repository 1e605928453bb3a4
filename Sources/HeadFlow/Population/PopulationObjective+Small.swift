import RealModule

/// The flow's right-hand side for `k = 2` features and `m = 2` neurons (the
/// paper's setting and every random-start ensemble's), under stop-gradient with
/// the target at the online state: the same `dy/dt` as
/// `PopulationObjective.velocity`, bit for bit.
///
/// It is that function's loops with the sizes fixed and the scratch held in
/// fixed-size local arrays instead of the objective's heap workspace, so the
/// compiler unrolls every loop and keeps the intermediates in registers. Every
/// floating-point operation is the generic one, in the same order and with the
/// same operands (the sums still start from `0.0`); only where the values live
/// differs. docs/MODEL.md §2–4 has the mathematics; `PopulationObjective` the
/// readable derivation of each line.
struct PopulationObjectiveSmall: Sendable {
    /// The flat layout this path reads and writes: `[A (2×2), R (2×2), E (2×2)]`, nothing after.
    static let layout = StateLayout(features: 2, neurons: 2)

    private let cx: Double, ce: Double, un: Double
    private let weights: InlineArray<2, Double>
    private let eta: Double, etaE: Double
    private let mask: InlineArray<4, Double>

    /// The path for `model`'s `L` at rates `η`, `η_E` with the head's trainable
    /// `mask` (row-major 2×2), or nil when `model` has not exactly 2 features or
    /// the mask is not 2×2.
    init?(model: DataModel, eta: Double, etaE: Double, mask: [Double]) {
        guard model.featureCount == Self.layout.features, mask.count == 4 else { return nil }
        cx = model.crossViewCount; ce = model.sameViewCount
        un = model.noisePatchesPerView * Double.pow(model.noise, 6)
        let w = model.featureWeights
        weights = [w[0], w[1]]
        self.eta = eta; self.etaE = etaE
        self.mask = [mask[0], mask[1], mask[2], mask[3]]
    }

    /// Writes `dy/dt` for the flat state `y` laid out by `Self.layout`:
    /// `dA = −η ∂L/∂A`, `dR = −2η R ∂L/∂B`, `dE = −η_E (∂L/∂E ∘ mask)`.
    /// Returns false when the loss is not finite, as `PopulationObjective.velocity`.
    @inline(__always)
    func velocity(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) -> Bool {
        let layout = (a: 0, r: 4, e: 8)
        let k = 2, m = 2
        let a = y + layout.a, r = y + layout.r, e = y + layout.e
        var a3 = InlineArray<4, Double>(repeating: 0)
        for i in 0..<(k * m) { let x = a[i]; a3[i] = x * x * x }
        let ta3 = a3
        var b = InlineArray<4, Double>(repeating: 0)
        for i in 0..<m { for j in i..<m {
            var s = 0.0
            for l in 0..<m { s += r[l * m + i] * r[l * m + j] }
            b[i * m + j] = s; b[j * m + i] = s
        } }
        let tb = b
        var kk = InlineArray<4, Double>(repeating: 0), ss = kk, hB = kk
        for rr in 0..<m { for c in rr..<m {
            var same = 0.0
            for l in 0..<k { same += weights[l] * a3[l * m + rr] * a3[l * m + c] }
            let bij = b[rr * m + c]
            let sv = ce * same + un * (9 * b[rr * m + rr] * b[c * m + c] * bij + 6 * bij * bij * bij)
            ss[rr * m + c] = sv; ss[c * m + rr] = sv
            let h = 9 * b[rr * m + rr] * b[c * m + c] + 18 * bij * bij
            hB[rr * m + c] = h; hB[c * m + rr] = h
            kk[rr * m + c] = cx * same; kk[c * m + rr] = cx * same
        } }
        var gA = InlineArray<4, Double>(repeating: 0), gB = gA, gE = gA
        var se = InlineArray<2, Double>(repeating: 0)
        var loss = 0.0
        // The generic `for j in 0..<m`, written out for j = 0 and j = 1 (the same body twice).
        do {
            let j = 0
            let ej = e + j * m
            var tj = 0.0
            for l in 0..<k { tj += weights[l] * ta3[l * m + j] * ta3[l * m + j] }
            let tbjj = tb[j * m + j]
            tj = ce * tj + un * 15 * tbjj * tbjj * tbjj
            var num = 0.0, den = 0.0
            for rr in 0..<m {
                num += ej[rr] * kk[rr * m + j]
                var s = 0.0
                for c in 0..<m { s += ss[rr * m + c] * ej[c] }
                se[rr] = s
                den += ej[rr] * s
            }
            let root = (den * tj).squareRoot()
            let rj = num / root
            loss += 2 * (1 - rj)
            let c1 = 1 / root, c2 = rj / den
            for l in 0..<k {
                var p = 0.0
                for rr in 0..<m { p += ej[rr] * a3[l * m + rr] }
                let coeff = -6 * weights[l] * (c1 * cx * ta3[l * m + j] - c2 * ce * p)
                for q in 0..<m {
                    let x = a[l * m + q]
                    gA[l * m + q] += x * x * ej[q] * coeff
                }
            }
            let scale = c2 * un
            for aa in 0..<m {
                let ea = scale * ej[aa]
                if ea == 0 { continue }
                var diag = 0.0
                for c in 0..<m { diag += ej[c] * b[c * m + c] * b[aa * m + c] }
                for bb in 0..<m { gB[aa * m + bb] += ea * ej[bb] * hB[aa * m + bb] }
                gB[aa * m + aa] += 18 * ea * diag
            }
            for rr in 0..<m { gE[j * m + rr] = -2 * (c1 * kk[rr * m + j] - c2 * se[rr]) }
        }
        do {
            let j = 1
            let ej = e + j * m
            var tj = 0.0
            for l in 0..<k { tj += weights[l] * ta3[l * m + j] * ta3[l * m + j] }
            let tbjj = tb[j * m + j]
            tj = ce * tj + un * 15 * tbjj * tbjj * tbjj
            var num = 0.0, den = 0.0
            for rr in 0..<m {
                num += ej[rr] * kk[rr * m + j]
                var s = 0.0
                for c in 0..<m { s += ss[rr * m + c] * ej[c] }
                se[rr] = s
                den += ej[rr] * s
            }
            let root = (den * tj).squareRoot()
            let rj = num / root
            loss += 2 * (1 - rj)
            let c1 = 1 / root, c2 = rj / den
            for l in 0..<k {
                var p = 0.0
                for rr in 0..<m { p += ej[rr] * a3[l * m + rr] }
                let coeff = -6 * weights[l] * (c1 * cx * ta3[l * m + j] - c2 * ce * p)
                for q in 0..<m {
                    let x = a[l * m + q]
                    gA[l * m + q] += x * x * ej[q] * coeff
                }
            }
            let scale = c2 * un
            for aa in 0..<m {
                let ea = scale * ej[aa]
                if ea == 0 { continue }
                var diag = 0.0
                for c in 0..<m { diag += ej[c] * b[c * m + c] * b[aa * m + c] }
                for bb in 0..<m { gB[aa * m + bb] += ea * ej[bb] * hB[aa * m + bb] }
                gB[aa * m + aa] += 18 * ea * diag
            }
            for rr in 0..<m { gE[j * m + rr] = -2 * (c1 * kk[rr * m + j] - c2 * se[rr]) }
        }
        guard loss.isFinite else { return false }
        for i in 0..<(k * m) { out[layout.a + i] = -eta * gA[i] }
        for l in 0..<m { for i in 0..<m {
            var s = 0.0
            for c in 0..<m { s += r[l * m + c] * gB[c * m + i] }
            out[layout.r + l * m + i] = -eta * 2 * s
        } }
        for i in 0..<(m * m) { out[layout.e + i] = -etaE * gE[i] * mask[i] }
        return true
    }
}
