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
final class ImageChunk<T: BLASScalar>: @unchecked Sendable {
    let capacity: Int, patchCount: Int, d: Int, m: Int, pixels: Int
    /// Patches (`capacity·P × d`), pre-activations then `Γ` (`capacity·P × m`), `G_c` (`d × m`).
    let x: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>, g: UnsafeMutablePointer<T>
    private(set) var imageCount = 0
    /// `(n₁, n₂)`: the chunk's rows in view 1 and view 2.
    private(set) var viewRows = (0, 0)
    private var start1: [Int], start2: [Int]
    /// `inView1[i·P + p]`: patch `p` of image `i` went to view 1.
    private var inView1: [Bool]
    /// The patch each row holds.
    private(set) var rowPatch: [Int]
    /// Two augmented images (`H·W·C` each) and a noise field.
    private let scratch: UnsafeMutablePointer<Float>, noise: UnsafeMutablePointer<Double>
    private let buffer = PhiloxBuffer()

    init(images: Int, patches: Int, d: Int, m: Int, pixels: Int, augments: Bool) {
        capacity = images; patchCount = patches; self.d = d; self.m = m; self.pixels = pixels
        let rows = images * patches
        x = .allocate(capacity: rows * d); h = .allocate(capacity: rows * m); g = .allocate(capacity: d * m)
        start1 = Array(repeating: 0, count: images + 1); start2 = start1
        inView1 = Array(repeating: false, count: rows); rowPatch = Array(repeating: 0, count: rows)
        scratch = .allocate(capacity: augments ? 2 * pixels : 1)
        noise = .allocate(capacity: augments ? pixels : 1)
    }

    deinit { x.deallocate(); h.deallocate(); g.deallocate(); scratch.deallocate(); noise.deallocate() }

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
        k.mean.withUnsafeBufferPointer { mu in
            for i in 0..<count {
                let image = px + indices[i] * pixels
                var rng = PhiloxStream(seed: seed, stream: ImageStreams.augmentation, step: visit &+ UInt64(i), buffer: buffer)
                for v in 0..<2 {
                    var source = image
                    if k.views.augments {
                        augment(k, image, into: scratch + v * pixels, &rng)
                        source = UnsafePointer(scratch + v * pixels)
                    }
                    var r = v == 0 ? start1[i] : start2[i]
                    for patch in 0..<p where inView1[i * p + patch] == (v == 0) {
                        gather(k, source, patch: patch, row: r, mean: mu.baseAddress!)
                        rowPatch[r] = patch
                        r += 1
                    }
                }
            }
        }
    }

    /// All `P` patches of the images `range` (no mask, no augmentation), image by image, into `x`.
    func gatherWhole(_ k: ImageNetworkKernel<T>, pixels px: UnsafePointer<Float>, images range: Range<Int>) {
        k.mean.withUnsafeBufferPointer { mu in
            for (i, image) in range.enumerated() {
                for patch in 0..<patchCount {
                    gather(k, px + image * pixels, patch: patch, row: i * patchCount + patch, mean: mu.baseAddress!)
                }
            }
        }
    }

    /// Row `row` of `x`: patch `patch` of the image at `source`, standardized, `(x_k − μ_k)/s`.
    @inline(__always)
    private func gather(_ k: ImageNetworkKernel<T>, _ source: UnsafePointer<Float>, patch: Int, row: Int,
                        mean: UnsafePointer<T>) {
        let geometry = k.patches
        let rowStride = geometry.width * geometry.channels, length = geometry.size * geometry.channels
        let inverse = k.inverseScale
        var out = x + row * d
        var base = k.origins[patch]
        for _ in 0..<geometry.size {
            for t in 0..<length { out[t] = (T(source[base + t]) - mean[base + t]) * inverse }
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
