/// Preallocated buffers for `BatchNormLoss.evaluate(n:m:online:target:head:into:)`,
/// so a step of SGD evaluates the batch loss without allocating (internal).
package final class BatchNormWorkspace: @unchecked Sendable {
    /// Batch size `N` and outputs `m` the buffers hold.
    let n: Int, m: Int
    /// `F̂`, `Ĝ` and `∂L/∂F` (`N × m` each, row-major).
    let fHat: UnsafeMutablePointer<Double>, gHat: UnsafeMutablePointer<Double>, dF: UnsafeMutablePointer<Double>
    /// `∂L/∂f⁽¹⁾` (`N × m`) and, when the target is differentiated, `∂L/∂f⁽²⁾`.
    package let df1: UnsafeMutablePointer<Double>, df2: UnsafeMutablePointer<Double>
    /// `∂L/∂E` (`m × m`), the batch correlations `ρ̂_j` (`m`), and per-coordinate scratch (`8m`).
    package let gradE: UnsafeMutablePointer<Double>, rho: UnsafeMutablePointer<Double>, column: UnsafeMutablePointer<Double>
    /// `Eᵀ` (`m × m`) for the lane-parallel products of `evaluate` (`m > 4`).
    let headTransposed: UnsafeMutablePointer<Double>

    /// Buffers for `n` samples of `m` outputs.
    package init(n: Int, m: Int) {
        self.n = n; self.m = m
        let block = UnsafeMutablePointer<Double>.allocate(capacity: 5 * n * m + 2 * m * m + 9 * m)
        block.initialize(repeating: 0, count: 5 * n * m + 2 * m * m + 9 * m)
        fHat = block; gHat = block + n * m; dF = block + 2 * n * m; df1 = block + 3 * n * m; df2 = block + 4 * n * m
        gradE = block + 5 * n * m; rho = gradE + m * m; column = rho + m; headTransposed = column + 8 * m
    }

    deinit { fHat.deallocate() }
}

extension BatchNormLoss {
    /// The BN scale `sqrt(Σ_i (x_ij − mean_j)² / N + ε)` of coordinate `j` (0-based) from its centred sum of
    /// squares; a zero or non-finite one is the error naming the branch and coordinate.
    @inline(__always)
    func batchScale(sum: Double, n: Int, branch: BatchBranch, coordinate j: Int) throws(DegenerateBatch) -> Double {
        let variance = sum / Double(n), v = variance + epsilon
        guard v > 0 else { throw .zeroVariance(branch: branch, coordinate: j + 1, variance: variance) }
        let scale = v.squareRoot()
        guard scale.isFinite else { throw .nonFinite(quantity: "batch variance of \(branch.symbol)_\(j + 1)") }
        return scale
    }

    /// `evaluate(online:target:head:throughTarget:)` on raw row-major buffers, into `ws`
    /// (`ws.df1`, `ws.gradE`, `ws.rho`, and `ws.df2` when `throughTarget`); returns the loss.
    /// The same arithmetic in the same order as the `Matrix` form (every sum over samples in
    /// sample order), laid out sample by sample; the same errors in the same order.
    package func evaluate(online x: UnsafePointer<Double>, target g: UnsafePointer<Double>, head e: UnsafePointer<Double>,
                  throughTarget: Bool = false, into ws: BatchNormWorkspace,
                  vectorised: Bool = true) throws(DegenerateBatch) -> Double {
        let n = ws.n, m = ws.m
        if vectorised && m == 2 { return try evaluateRows(SIMD2<Double>.self, x, g, e, throughTarget, ws) }
        if vectorised && m == 4 { return try evaluateRows(SIMD4<Double>.self, x, g, e, throughTarget, ws) }
        let fHat = ws.fHat, gHat = ws.gHat, dF = ws.dF
        let col = ws.column
        let fMean = col, gMean = col + m, fScale = col + 2 * m
        let invN = 1 / Double(n)
        // Pass 1: finiteness, F = f⁽¹⁾ Eᵀ, G = f⁽²⁾, the column sums.
        var bad1 = 0.0, bad2 = 0.0
        for j in 0..<m { fMean[j] = 0; gMean[j] = 0 }
        // m > 4: the m dot products of a sample side by side (lane j sums r = 0, 1, … as the scalar loop does).
        let lanes = vectorised && m > 4, eT = ws.headTransposed
        if lanes { for r in 0..<m { for j in 0..<m { eT[r * m + j] = e[j * m + r] } } }
        for i in 0..<n where lanes {
            let xi = x + i * m, gi = g + i * m, fi = fHat + i * m, hi = gHat + i * m
            for j in 0..<m { bad1 += xi[j] - xi[j]; bad2 += gi[j] - gi[j]; fi[j] = 0 }
            for r in 0..<m { let xr = xi[r], er = eT + r * m; for j in 0..<m { fi[j] += er[j] * xr } }
            for j in 0..<m { hi[j] = gi[j]; fMean[j] += fi[j]; gMean[j] += gi[j] }
        }
        for i in 0..<n where !lanes {
            let xi = x + i * m, gi = g + i * m, fi = fHat + i * m, hi = gHat + i * m
            for j in 0..<m {
                bad1 += xi[j] - xi[j]; bad2 += gi[j] - gi[j]
                var acc = 0.0
                let ej = e + j * m
                for r in 0..<m { acc += ej[r] * xi[r] }
                fi[j] = acc; hi[j] = gi[j]
                fMean[j] += acc; gMean[j] += gi[j]
            }
        }
        guard !bad1.isNaN else { throw .nonFinite(quantity: "online output f(X⁽¹⁾)") }
        guard !bad2.isNaN else { throw .nonFinite(quantity: "target output f(X⁽²⁾)") }
        // Passes 2–3 (and ∂L/∂f⁽²⁾): shared with the image network's BN (`ImageBatchNorm`).
        var loss = try normalizeBatch(n: n, m: m, fHat: fHat, target: gHat, gHat: gHat, dF: dF, column: col, rho: ws.rho,
                                      df2: throughTarget ? ws.df2 : nil)
        let dMean = col + 6 * m, dProj = col + 7 * m  // (and fScale = col + 2m) as normalizeBatch leaves them
        // Pass 4: ∂L/∂F, ∂L/∂E = (∂L/∂F)ᵀ f⁽¹⁾, ∂L/∂f⁽¹⁾ = (∂L/∂F) E.
        let ge = ws.gradE, out = ws.df1
        for q in 0..<(m * m) { ge[q] = 0 }
        var bad = 0.0
        for i in 0..<n {
            let di = dF + i * m, fi = fHat + i * m, xi = x + i * m, oi = out + i * m
            for j in 0..<m { di[j] = (di[j] - dMean[j] - fi[j] * dProj[j]) / fScale[j] }
            for j in 0..<m { let dj = di[j], gj = ge + j * m; for r in 0..<m { gj[r] += dj * xi[r] } }
            if lanes {
                for r in 0..<m { oi[r] = 0 }
                for j in 0..<m { let dj = di[j], ej = e + j * m; for r in 0..<m { oi[r] += dj * ej[r] } }
                for r in 0..<m { bad += oi[r] - oi[r] }
                continue
            }
            for r in 0..<m {
                var acc = 0.0
                for j in 0..<m { acc += di[j] * e[j * m + r] }
                oi[r] = acc
                bad += acc - acc
            }
        }
        loss *= invN
        guard loss.isFinite else { throw .nonFinite(quantity: "loss") }
        for q in 0..<(m * m) { bad += ge[q] - ge[q] }
        if throughTarget { for q in 0..<(n * m) { bad += ws.df2[q] - ws.df2[q] } }
        guard !bad.isNaN else { throw .nonFinite(quantity: "gradient") }
        return loss
    }

    /// The sample-by-sample loops of `evaluate` with one sample's `m` outputs in a SIMD vector
    /// (`V.scalarCount == m`): lane `j` does coordinate `j`'s arithmetic in the same order.
    @inline(__always)
    private func evaluateRows<V: SIMD>(_: V.Type, _ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>,
                                       _ e: UnsafePointer<Double>, _ throughTarget: Bool,
                                       _ ws: BatchNormWorkspace) throws(DegenerateBatch) -> Double where V.Scalar == Double {
        let n = ws.n, m = V.scalarCount
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        let fHat = ws.fHat, gHat = ws.gHat, dF = ws.dF
        let invN = 1 / Double(n)
        // Column r of E (lane j: E_jr) and row j of E.
        return try withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * m + m) { (buf: UnsafeMutableBufferPointer<V>) throws(DegenerateBatch) -> Double in
            let eCols = buf.baseAddress!, eRows = eCols + m, geRows = eRows + m
            for r in 0..<m { var c = V.zero; for j in 0..<m { c[j] = e[j * m + r] }; eCols[r] = c }
            for j in 0..<m { eRows[j] = load(e + j * m); geRows[j] = .zero }
            // Pass 1.
            var bad1 = V.zero, bad2 = V.zero, fSum = V.zero, gSum = V.zero
            for i in 0..<n {
                let xi = load(x + i * m), gi = load(g + i * m)
                bad1 += xi - xi; bad2 += gi - gi
                var f = V.zero
                for r in 0..<m { f += eCols[r] * xi[r] }
                store(f, fHat + i * m); store(gi, gHat + i * m)
                fSum += f; gSum += gi
            }
            for j in 0..<m { guard !bad1[j].isNaN else { throw .nonFinite(quantity: "online output f(X⁽¹⁾)") } }
            for j in 0..<m { guard !bad2[j].isNaN else { throw .nonFinite(quantity: "target output f(X⁽²⁾)") } }
            // Pass 2.
            let fMean = fSum / V(repeating: Double(n)), gMean = gSum / V(repeating: Double(n))
            var fVar = V.zero, gVar = V.zero
            for i in 0..<n {
                let c = load(fHat + i * m) - fMean, d = load(gHat + i * m) - gMean
                fVar += c * c; gVar += d * d
            }
            @inline(__always) func scales(_ sums: V, _ branch: BatchBranch) throws(DegenerateBatch) -> V {
                var out = V.zero
                for j in 0..<m { out[j] = try batchScale(sum: sums[j], n: n, branch: branch, coordinate: j) }
                return out
            }
            let fScale = try scales(fVar, .online), gScale = try scales(gVar, .target)
            // Pass 3.
            var l = V.zero, r = V.zero, dMean = V.zero, dProj = V.zero
            for i in 0..<n {
                let fx = (load(fHat + i * m) - fMean) / fScale, gy = (load(gHat + i * m) - gMean) / gScale
                let dij = 2 * invN * (fx - gy)
                store(fx, fHat + i * m); store(gy, gHat + i * m)
                l += (fx - gy) * (fx - gy); r += fx * gy
                dMean += dij; dProj += dij * fx
                store(dij, dF + i * m)
            }
            var loss = 0.0
            for j in 0..<m { loss += l[j] }
            store(r * invN, ws.rho)
            dMean *= invN; dProj *= invN
            if throughTarget {
                var gProj = V.zero
                for i in 0..<n { gProj += load(dF + i * m) * load(gHat + i * m) }
                gProj *= invN
                for i in 0..<n {
                    store((-load(dF + i * m) + dMean + load(gHat + i * m) * gProj) / gScale, ws.df2 + i * m)
                }
            }
            // Pass 4.
            var bad = V.zero
            for i in 0..<n {
                let d = (load(dF + i * m) - dMean - load(fHat + i * m) * dProj) / fScale, xi = load(x + i * m)
                store(d, dF + i * m)
                for j in 0..<m { geRows[j] += d[j] * xi }
                var acc = V.zero
                for j in 0..<m { acc += d[j] * eRows[j] }
                store(acc, ws.df1 + i * m)
                bad += acc - acc
            }
            loss *= invN
            guard loss.isFinite else { throw .nonFinite(quantity: "loss") }
            for j in 0..<m { store(geRows[j], ws.gradE + j * m); bad += geRows[j] - geRows[j] }
            if throughTarget { for i in 0..<n { let v = load(ws.df2 + i * m); bad += v - v } }
            for j in 0..<m { guard !bad[j].isNaN else { throw .nonFinite(quantity: "gradient") } }
            return loss
        }
    }
}

extension BatchNormLoss {
    /// Passes 2–3 of the BN loss (docs/MODEL.md §2) on `n × m` row-major buffers, shared by `evaluate` and
    /// the image network's `ImageBatchNorm`, so both compute the loss with the same arithmetic in the same order.
    ///
    /// On entry `fHat` holds `F = f⁽¹⁾ Eᵀ`, `target` the target outputs `G` (it may be `gHat` itself), and
    /// `column[0..<m]`, `column[m..<2m]` the column sums of `F` and `G`. On return `fHat` holds `F̂`, `gHat` `Ĝ`,
    /// `dF` `D = (2/N)(F̂ − Ĝ)`, `rho` `ρ̂_j`, `column` the means (`0..<2m`), the scales `s_j` (`2m..<4m`), mean `D`
    /// (`6m..<7m`) and mean `D F̂` (`7m..<8m`) per coordinate, and, when `df2` is given, `df2` `∂L/∂f⁽²⁾`.
    /// Returns `Σ_j Σ_i (F̂_ij − Ĝ_ij)²` (the loss times `N`). Every sum over samples is in sample order.
    ///
    /// - Throws: `.zeroVariance` for the first coordinate with `v_j + ε ≤ 0` (online branch first).
    @inline(__always)
    func normalizeBatch(n: Int, m: Int, fHat: UnsafeMutablePointer<Double>, target g: UnsafePointer<Double>,
                        gHat: UnsafeMutablePointer<Double>, dF: UnsafeMutablePointer<Double>,
                        column col: UnsafeMutablePointer<Double>, rho: UnsafeMutablePointer<Double>,
                        df2: UnsafeMutablePointer<Double>?) throws(DegenerateBatch) -> Double {
        let fMean = col, gMean = col + m, fScale = col + 2 * m, gScale = col + 3 * m
        let a0 = col + 4 * m, a1 = col + 5 * m, a2 = col + 6 * m, a3 = col + 7 * m
        let invN = 1 / Double(n)
        // Pass 2: the biased variances about the means, then the scales (and the errors, online branch first).
        for j in 0..<m { fMean[j] /= Double(n); gMean[j] /= Double(n); a0[j] = 0; a1[j] = 0 }
        for i in 0..<n {
            let fi = fHat + i * m, gi = g + i * m
            for j in 0..<m {
                let c = fi[j] - fMean[j], d = gi[j] - gMean[j]
                a0[j] += c * c; a1[j] += d * d
            }
        }
        for j in 0..<m { fScale[j] = try batchScale(sum: a0[j], n: n, branch: .online, coordinate: j) }
        for j in 0..<m { gScale[j] = try batchScale(sum: a1[j], n: n, branch: .target, coordinate: j) }
        // Pass 3: normalize; D = (2/N)(F̂ − Ĝ), the loss, ρ̂, mean D and mean D F̂ per coordinate.
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
        // ∂L/∂f⁽²⁾_ij = (−D_ij + mean D_·j + Ĝ_ij · mean(D Ĝ)_·j) / s⁽²⁾_j, when the target is differentiated.
        if let df2 {
            let dMean = a2, gProj = a0
            for j in 0..<m { gProj[j] = 0 }
            for i in 0..<n { let di = dF + i * m, hi = gHat + i * m; for j in 0..<m { gProj[j] += di[j] * hi[j] } }
            for j in 0..<m { gProj[j] *= invN }
            for i in 0..<n {
                let di = dF + i * m, hi = gHat + i * m, oi = df2 + i * m
                for j in 0..<m { oi[j] = (-di[j] + dMean[j] + hi[j] * gProj[j]) / gScale[j] }
            }
        }
        return loss
    }
}
