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
        let fMean = col, gMean = col + m, fScale = col + 2 * m, gScale = col + 3 * m
        let a0 = col + 4 * m, a1 = col + 5 * m, a2 = col + 6 * m, a3 = col + 7 * m
        let invN = 1 / Double(n)
        // The column means of F and G.
        for j in 0..<m { fMean[j] = 0; gMean[j] = 0 }
        for i in 0..<n {
            let fi = fHat + i * m, gi = g + i * m
            for j in 0..<m { fMean[j] += fi[j]; gMean[j] += gi[j] }
        }
        // The biased variances about the means, then the scales (and the errors, online branch first).
        for j in 0..<m { fMean[j] /= Double(n); gMean[j] /= Double(n); a0[j] = 0; a1[j] = 0 }
        for i in 0..<n {
            let fi = fHat + i * m, gi = g + i * m
            for j in 0..<m {
                let c = fi[j] - fMean[j], d = gi[j] - gMean[j]
                a0[j] += c * c; a1[j] += d * d
            }
        }
        for j in 0..<m { fScale[j] = try rule.batchScale(sum: a0[j], n: n, branch: .online, coordinate: j) }
        for j in 0..<m { gScale[j] = try rule.batchScale(sum: a1[j], n: n, branch: .target, coordinate: j) }
        // Normalize; D = (2/N)(F̂ − Ĝ), the loss, ρ̂, mean D and mean D F̂ per coordinate.
        for j in 0..<m { a0[j] = 0; a1[j] = 0; a2[j] = 0; a3[j] = 0 }
        for i in 0..<n {
            let fi = fHat + i * m, gi = g + i * m, hi = gHat + i * m, di = dF + i * m
            for j in 0..<m {
                let fx = (fi[j] - fMean[j]) / fScale[j], gy = (gi[j] - gMean[j]) / gScale[j], dij = 2 * invN * (fx - gy)
                fi[j] = fx; hi[j] = gy
                a0[j] += (fx - gy) * (fx - gy); a1[j] += fx * gy
                a2[j] += dij; a3[j] += dij * fx
                di[j] = dij
            }
        }
        var loss = 0.0
        for j in 0..<m {
            loss += a0[j]; rho[j] = a1[j] * invN
            a2[j] *= invN; a3[j] *= invN
        }
        let dMean = a2, dProj = a3
        if throughTarget {
            let gProj = a0
            for j in 0..<m { gProj[j] = 0 }
            for i in 0..<n { let di = dF + i * m, hi = gHat + i * m; for j in 0..<m { gProj[j] += di[j] * hi[j] } }
            for j in 0..<m { gProj[j] *= invN }
            for i in 0..<n {
                let di = dF + i * m, hi = gHat + i * m, oi = df2 + i * m
                for j in 0..<m { oi[j] = (-di[j] + dMean[j] + hi[j] * gProj[j]) / gScale[j] }
            }
        }
        // ∂L/∂F_ij = (D_ij − mean D_·j − F̂_ij · mean(D F̂)_·j) / s_j.
        for i in 0..<n {
            let di = dF + i * m, fi = fHat + i * m
            for j in 0..<m { di[j] = (di[j] - dMean[j] - fi[j] * dProj[j]) / fScale[j] }
        }
        loss *= invN
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
