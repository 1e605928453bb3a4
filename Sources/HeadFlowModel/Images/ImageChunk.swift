import HeadFlowNumerics
import HeadFlowData

/// The Philox streams of the image network's randomness (internal): stream `s` of visit `v` (an image's
/// `v`-th appearance in training, counted over epochs) under the run's seed. Distinct streams never
/// share a block, so a view depends on the seed, the visit and the image only.
package enum ImageStreams {
    /// The random mask: one uniform per patch, `X_p` to view 1 when it is `< q`.
    package static let mask: UInt32 = 0x4D41_534B
    /// The augmentations: view 1's flip, shift, noise, then view 2's.
    package static let augmentation: UInt32 = 0x4155_4731
    /// The order of an epoch (one stream per epoch, Fisher–Yates).
    package static let shuffle: UInt32 = 0x5348_5546
}

/// One chunk's buffers and its images' views (internal; see `ImageNetworkKernel`).
///
/// Rows of `x` (each a standardized patch, `d` values): the chunk's view-1 patches image by image, then
/// its view-2 patches; `start1[i] ..< start1[i + 1]` and `start2[i] ..< start2[i + 1]` are image `i`'s.
///
/// A patch row (`p·C` consecutive pixels of the image) is standardized 8 values at a time,
/// `(T(x_k) − μ_k)·(1/s)` for each value as one at a time; the chunk's images are read once, line by line,
/// before (`touch`), so that their cache lines arrive side by side rather than a few at a time.
final class ImageChunk<T: BLASScalar & SIMDScalar>: @unchecked Sendable {
    let capacity: Int, patchCount: Int, d: Int, m: Int, pixels: Int
    /// Patches (`capacity·P × d`), pre-activations then `Γ` (`capacity·P × m`), `G_c` (`d × m`).
    let x: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>, g: UnsafeMutablePointer<T>
    private(set) var imageCount = 0
    /// `(n₁, n₂)`: the chunk's rows in view 1 and view 2.
    private(set) var viewRows = (0, 0)
    /// Image `i`'s first row in view 1 and in view 2 (`capacity + 1` each). The per-row and per-patch
    /// state lives in raw buffers, not arrays, so that the loops over it pay no exclusivity or
    /// uniqueness check.
    private let start1: UnsafeMutablePointer<Int>, start2: UnsafeMutablePointer<Int>
    /// `inView1[i·P + p]`: patch `p` of image `i` went to view 1.
    private let inView1: UnsafeMutablePointer<Bool>
    /// The patch each row holds.
    let rowPatch: UnsafeMutablePointer<Int>
    /// One pixel of every cache line of the chunk's images, summed (read before the images are
    /// standardized, so that their lines are fetched side by side; never used).
    private let touched: UnsafeMutablePointer<Float>
    /// Two augmented images (`H·W·C` each) and a noise field.
    private let scratch: UnsafeMutablePointer<Float>, noise: UnsafeMutablePointer<Double>
    /// `∂L/∂f` of one image in `T` (`m`).
    let gradient: UnsafeMutablePointer<T>
    private let buffer = PhiloxBuffer()

    /// Values moved at a time by the patch copy and the activation loops.
    static var lanes: Int { 8 }

    init(images: Int, patches: Int, d: Int, m: Int, pixels: Int, augments: Bool) {
        capacity = images; patchCount = patches; self.d = d; self.m = m; self.pixels = pixels
        let rows = images * patches
        x = .allocate(capacity: rows * d + Self.lanes); h = .allocate(capacity: rows * m); g = .allocate(capacity: d * m)
        start1 = .allocate(capacity: images + 1); start1.initialize(repeating: 0, count: images + 1)
        start2 = .allocate(capacity: images + 1); start2.initialize(repeating: 0, count: images + 1)
        inView1 = .allocate(capacity: rows); inView1.initialize(repeating: false, count: rows)
        rowPatch = .allocate(capacity: rows); rowPatch.initialize(repeating: 0, count: rows)
        touched = .allocate(capacity: 1); touched.initialize(to: 0)
        scratch = .allocate(capacity: augments ? 2 * pixels : 1)
        noise = .allocate(capacity: augments ? pixels : 1)
        gradient = .allocate(capacity: m)
    }

    deinit {
        x.deallocate(); h.deallocate(); g.deallocate(); scratch.deallocate(); noise.deallocate()
        gradient.deallocate()
        start1.deallocate(); start2.deallocate(); inView1.deallocate(); rowPatch.deallocate(); touched.deallocate()
    }

    /// Image `i`'s rows in view `v` (0: view 1, 1: view 2).
    @inline(__always)
    func rows(image i: Int, view v: Int) -> Range<Int> { v == 0 ? start1[i]..<start1[i + 1] : start2[i]..<start2[i + 1] }

    /// Draws the views of `count` images (`indices`, visits `visit …`) and writes their patches into `x`:
    /// first every mask (one uniform per patch from the `mask` stream), then per image its two augmented
    /// copies (the `augmentation` stream, only when an augmentation is on) and their patches.
    func drawViews(_ k: ImageNetworkKernel<T>, pixels px: UnsafePointer<Float>, indices: UnsafePointer<Int>, count: Int,
                   visit: UInt64, seed: UInt64) {
        precondition(count <= capacity, "ImageChunk: too many images")
        imageCount = count
        let p = patchCount, q = k.views.maskProbability
        var n1 = 0
        for i in 0..<count {
            var rng = PhiloxStream(seed: seed, stream: ImageStreams.mask, step: visit &+ UInt64(i), buffer: buffer)
            var c1 = 0
            for patch in 0..<p {
                let one = rng.uniform() < q
                inView1[i * p + patch] = one
                if one { c1 += 1 }
            }
            start1[i + 1] = start1[i] + c1
            n1 += c1
        }
        start2[0] = n1
        for i in 0..<count { start2[i + 1] = start2[i] + p - (start1[i + 1] - start1[i]) }
        viewRows = (n1, count * p - n1)
        touch(pixels: px, indices: indices, count: count)
        for i in 0..<count {
            let image = px + indices[i] * pixels
            if !k.views.augments {
                var r1 = start1[i], r2 = start2[i]
                for patch in 0..<p {
                    if inView1[i * p + patch] {
                        gather(k, image, patch: patch, row: r1); rowPatch[r1] = patch; r1 += 1
                    } else {
                        gather(k, image, patch: patch, row: r2); rowPatch[r2] = patch; r2 += 1
                    }
                }
                continue
            }
            var rng = PhiloxStream(seed: seed, stream: ImageStreams.augmentation, step: visit &+ UInt64(i), buffer: buffer)
            for v in 0..<2 {
                augment(k, image, into: scratch + v * pixels, &rng)
                var r = v == 0 ? start1[i] : start2[i]
                for patch in 0..<p where inView1[i * p + patch] == (v == 0) {
                    gather(k, scratch + v * pixels, patch: patch, row: r)
                    rowPatch[r] = patch
                    r += 1
                }
            }
        }
    }

    /// All `P` patches of the images `range` (no mask, no augmentation), image by image, into `x`.
    func gatherWhole(_ k: ImageNetworkKernel<T>, pixels px: UnsafePointer<Float>, images range: Range<Int>) {
        for (i, image) in range.enumerated() {
            for patch in 0..<patchCount { gather(k, px + image * pixels, patch: patch, row: i * patchCount + patch) }
        }
    }

    /// Reads one value of every 64-byte line of the images `indices` (and each image's last value): the
    /// loads are independent, so the memory system fetches many lines at once, where the standardizing pass
    /// alone would wait on them a few at a time.
    @inline(__always)
    private func touch(pixels px: UnsafePointer<Float>, indices: UnsafePointer<Int>, count: Int) {
        var a: Float = 0, b: Float = 0
        for i in 0..<count {
            let image = px + indices[i] * pixels
            var t = 0
            while t + 16 < pixels { a += image[t]; b += image[t + 16]; t += 32 }
            a += image[pixels - 1]
        }
        touched.pointee = a + b
    }

    /// Row `row` of `x`: patch `patch` of the image at `source`, standardized, `(T(x_k) − μ_k)·(1/s)` —
    /// its `p` rows of `p·C` pixels one after the other. A patch row is done 8 values at a time; when its last
    /// 8 would reach past the end of the row of `x` (always for the last patch row), its tail is done value
    /// by value. The last 8 of a patch row may otherwise write into the next patch row, written next, and
    /// read pixels past it (of the image's next pixel row, so never past the image) and `μ`'s slack.
    @inline(__always)
    private func gather(_ k: ImageNetworkKernel<T>, _ source: UnsafePointer<Float>, patch: Int, row: Int) {
        let geometry = k.patches
        let rowStride = geometry.width * geometry.channels, length = geometry.size * geometry.channels
        let padded = (length + 7) & ~7, inverse = k.inverseScale
        // 8 at a time may read up to `padded − length` values past a patch row: still in the image while a
        // pixel row follows (`padded ≤ W·C + p·C`, false only for images narrower than 7 values).
        let wide = padded <= rowStride + length
        var out = x + row * d
        var base = k.origins[patch]
        for a in 0..<geometry.size {
            let pixel = source + base, mean = UnsafePointer(k.meanPointer) + base
            @inline(__always) func eight(_ t: Int) {
                let raw = SIMD8<T>(UnsafeRawPointer(pixel + t).loadUnaligned(as: SIMD8<Float>.self))
                let value = (raw - UnsafeRawPointer(mean + t).loadUnaligned(as: SIMD8<T>.self)) * inverse
                UnsafeMutableRawPointer(out + t).storeBytes(of: value, as: SIMD8<T>.self)
            }
            var t = 0
            if wide && a + 1 < geometry.size && a * length + padded <= d {
                while t < length { eight(t); t += 8 }
            } else {
                while t + 8 <= length { eight(t); t += 8 }
                while t < length { out[t] = (T(pixel[t]) - mean[t]) * inverse; t += 1 }
            }
            out += length; base += rowStride
        }
    }

    /// One view's augmented copy of `image` into `out`: flip, shift `(δ_y, δ_x)` with zero fill, pixel noise
    /// (`ImageViewRule`), drawing only what is on.
    private func augment(_ k: ImageNetworkKernel<T>, _ image: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                         _ rng: inout PhiloxStream) {
        let rule = k.views, height = k.patches.height, width = k.patches.width, c = k.patches.channels
        let flipped = rule.flip && rng.uniform() < 0.5
        var dy = 0, dx = 0
        if rule.shift > 0 {
            dy = rng.uniformInt(2 * rule.shift + 1) - rule.shift
            dx = rng.uniformInt(2 * rule.shift + 1) - rule.shift
        }
        // out(y, x) = flip(X)(y − δ_y, x − δ_x), flip(X)(y, x) = X(y, W − 1 − x).
        for y in 0..<height {
            let sy = y - dy
            for xx in 0..<width {
                var sx = xx - dx
                if flipped { sx = width - 1 - sx }
                let o = out + (y * width + xx) * c
                if sy >= 0 && sy < height && sx >= 0 && sx < width {
                    let s = image + (sy * width + sx) * c
                    for ch in 0..<c { o[ch] = s[ch] }
                } else {
                    for ch in 0..<c { o[ch] = 0 }
                }
            }
        }
        if rule.noise > 0 {
            rng.fillStandardNormal(noise, count: pixels)
            for i in 0..<pixels { out[i] += Float(rule.noise * noise[i]) }
        }
    }
}
