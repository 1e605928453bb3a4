import HeadFlowNumerics

/// `BatchNormLoss` on the image network's outputs (internal): the same loss of docs/MODEL.md §2, the same
/// gradients and the same errors in the same order, in steps between which `ImageNetworkKernel` forms the
/// three `N × m × m` products through OpenBLAS `dgemm`, split over its chunks and threads — `F = f⁽¹⁾ Eᵀ`
/// (into `fHat`) before `normalize`, `∂L/∂f⁽¹⁾ = (∂L/∂F) E` and `∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾` after it — instead of
/// `BatchNormLoss`'s sample-by-sample loops on one thread.
///
/// At `m = 64`, `N = 256` those products are 3 MFLOP a step, on which `BatchNormLoss` (kept as it is, so
/// that synthetic SGD keeps its bits) spends about 1.5 ms; `dgemm` about 0.1 ms. The products sum in
/// OpenBLAS's order, so the loss and gradients equal `BatchNormLoss.evaluate`'s to float64 rounding, not bit
/// for bit; every sum over samples here is in sample order, as there. The buffers, for up to `capacity`
/// samples, are allocated once: a step allocates nothing.
final class ImageBatchNorm: @unchecked Sendable {
    /// The most samples `N` and the outputs `m`.
    let capacity: Int, m: Int
    /// `F` then `F̂`, `Ĝ`, `∂L/∂F` (`N × m` each, row-major).
    let fHat: UnsafeMutablePointer<Double>, gHat: UnsafeMutablePointer<Double>, dF: UnsafeMutablePointer<Double>
    /// `∂L/∂f⁽¹⁾`, `∂L/∂f⁽²⁾` (the latter only with `throughTarget`) (`N × m` each).
    let df1: UnsafeMutablePointer<Double>, df2: UnsafeMutablePointer<Double>
    /// `∂L/∂E` (`m × m`), `ρ̂_j` (`m`), per-coordinate scratch (`8m`).
    let gradE: UnsafeMutablePointer<Double>, rho: UnsafeMutablePointer<Double>, column: UnsafeMutablePointer<Double>

    /// Buffers for up to `capacity` samples of `m` outputs.
    init(capacity: Int, m: Int) {
        self.capacity = max(1, capacity); self.m = m
        let nm = self.capacity * m, size = 5 * nm + m * m + 9 * m
        let block = UnsafeMutablePointer<Double>.allocate(capacity: size)
        block.initialize(repeating: 0, count: size)
        fHat = block; gHat = block + nm; dF = block + 2 * nm; df1 = block + 3 * nm; df2 = block + 4 * nm
        gradE = block + 5 * nm; rho = gradE + m * m; column = rho + m
    }

    deinit { fHat.deallocate() }

    /// Throws `.nonFinite` when an online output `x`, then a target output `g` (`n × m` each), is NaN or ±∞.
    func checkOutputs(n: Int, online x: UnsafePointer<Double>, target g: UnsafePointer<Double>) throws(DegenerateBatch) {
        precondition(n >= 1 && n <= capacity, "ImageBatchNorm: need 1 ≤ N ≤ capacity")
        guard Self.allFinite(x, n * m) else { throw .nonFinite(quantity: "online output f(X⁽¹⁾)") }
        guard Self.allFinite(g, n * m) else { throw .nonFinite(quantity: "target output f(X⁽²⁾)") }
    }

    /// With `F = f⁽¹⁾ Eᵀ` in `fHat`: batch-normalizes `F` and the target outputs `g`, and returns the loss
    /// `L̂`, leaving `F̂` in `fHat`, `∂L/∂F` in `dF`, `ρ̂` in `rho` and, with `throughTarget`, `∂L/∂f⁽²⁾` in `df2`.
    ///
    /// - Throws: `.zeroVariance` for the first coordinate with `v_j + ε ≤ 0` (online branch first), then
    ///   `.nonFinite` for a non-finite loss.
    func normalize(n: Int, target g: UnsafePointer<Double>, loss rule: BatchNormLoss,
                   throughTarget: Bool) throws(DegenerateBatch) -> Double {
        let m = self.m
        let fHat = self.fHat, gHat = self.gHat, dF = self.dF
        let col = column
        let fMean = col, gMean = col + m
        // The column sums of F and G.
        for j in 0..<m { fMean[j] = 0; gMean[j] = 0 }
        for i in 0..<n {
            let fi = fHat + i * m, gi = g + i * m
            for j in 0..<m { fMean[j] += fi[j]; gMean[j] += gi[j] }
        }
        // Passes 2–3 and ∂L/∂f⁽²⁾: BatchNormLoss's own code.
        var loss = try rule.normalizeBatch(n: n, m: m, fHat: fHat, target: g, gHat: gHat, dF: dF, column: col, rho: rho,
                                           df2: throughTarget ? df2 : nil)
        let dMean = col + 6 * m, dProj = col + 7 * m, fScale = col + 2 * m
        // ∂L/∂F_ij = (D_ij − mean D_·j − F̂_ij · mean(D F̂)_·j) / s_j.
        for i in 0..<n {
            let di = dF + i * m, fi = fHat + i * m
            for j in 0..<m { di[j] = (di[j] - dMean[j] - fi[j] * dProj[j]) / fScale[j] }
        }
        loss *= 1 / Double(n)
        guard loss.isFinite else { throw .nonFinite(quantity: "loss") }
        return loss
    }

    /// Throws `.nonFinite` when an entry of `∂L/∂f⁽¹⁾`, `∂L/∂E` or (with `throughTarget`) `∂L/∂f⁽²⁾` is NaN or ±∞.
    func checkGradients(n: Int, throughTarget: Bool) throws(DegenerateBatch) {
        guard Self.allFinite(df1, n * m) && Self.allFinite(gradE, m * m) && (!throughTarget || Self.allFinite(df2, n * m)) else {
            throw .nonFinite(quantity: "gradient")
        }
    }

    /// True when the `count` values at `p` are all finite: `x − x` is NaN exactly for NaN and ±∞, summed in
    /// eight lanes (NaN stays NaN).
    @inline(__always)
    static func allFinite(_ p: UnsafePointer<Double>, _ count: Int) -> Bool {
        var lanes = SIMD8<Double>.zero
        var q = 0
        while q + 8 <= count {
            let v = UnsafeRawPointer(p + q).loadUnaligned(as: SIMD8<Double>.self)
            lanes += v - v
            q += 8
        }
        var rest = 0.0
        while q < count { rest += p[q] - p[q]; q += 1 }
        return !(lanes.sum() + rest).isNaN
    }
}
