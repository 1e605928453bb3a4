import CPhilox

/// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
/// easy as 1, 2, 3", SC'11): the counter-based generator of Random123, NumPy's
/// `Philox`, JAX and cuRAND. `block(counter:key:)` maps a 128-bit counter and a
/// 64-bit key to 128 random bits with ten rounds of
/// `(c₀, c₁, c₂, c₃) ← (hi(M₁c₂) ⊕ c₁ ⊕ k₀, lo(M₁c₂), hi(M₀c₀) ⊕ c₃ ⊕ k₁, lo(M₀c₀))`,
/// the key bumped by the Weyl constants between rounds.
///
/// It is not a GSL generator (GSL has none counter-based), so it lives with the
/// other self-contained numerics in `Support/`; GSL's generators stay behind
/// `RandomSource`. Any `(counter, key)` gives an independent block, so a
/// sub-stream is named by its counter's high words and needs no state to start.
public enum Philox4x32 {
    static let m0: UInt64 = 0xD251_1F53, m1: UInt64 = 0xCD9E_8D57
    static let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85

    /// The 128 output bits for `counter` (words `c₀…c₃`) and `key` (`k₀, k₁`),
    /// as Random123's `philox4x32(ctr, key)` with 10 rounds.
    @inline(__always)
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c0 = counter.x, c1 = counter.y, c2 = counter.z, c3 = counter.w
        var k0 = key.x, k1 = key.y
        for round in 0..<10 {
            if round > 0 { k0 &+= w0; k1 &+= w1 }
            let p0 = m0 &* UInt64(c0), p1 = m1 &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c0 = n0; c1 = UInt32(truncatingIfNeeded: p1)
            c2 = n2; c3 = UInt32(truncatingIfNeeded: p0)
        }
        return SIMD4(c0, c1, c2, c3)
    }

    /// Eight consecutive blocks at once (counters `c₀ … c₀ + 7`, the other words
    /// equal), written as 32 words in block order; the same bits as eight calls
    /// of `block(counter:key:)`. The C kernel (`CPhilox`) runs them in AVX2 lanes
    /// when the CPU has AVX2, else one by one.
    @inline(__always) @usableFromInline
    static func eightBlocks(counter: SIMD4<UInt32>, key: SIMD2<UInt32>, into out: UnsafeMutablePointer<UInt32>) {
        headflow_philox4x32_10(counter.x, counter.y, counter.z, counter.w, key.x, key.y, out, 8)
    }
}

/// A sequential stream of Philox4x32-10 words (internal): the blocks at counters
/// `(j, stream, step₀, step₁)`, `j = 0, 1, …`, under a 64-bit key (the seed).
/// Distinct `(stream, step)` pairs never share a block, so the chunks of a
/// batch and the steps of a run draw from independent streams however they are
/// scheduled. Words are produced 32 at a time (eight blocks in SIMD lanes).
package struct PhiloxStream: RandomStream {
    // Not private: `uniform()` and `standardNormal()` are inlinable, so the samplers in HeadFlowDynamics
    // inline them as they did when everything was one module.
    @usableFromInline let key: SIMD2<UInt32>
    @usableFromInline var counter: SIMD4<UInt32>
    @usableFromInline let buffer: PhiloxBuffer
    @usableFromInline var used: Int
    /// The ziggurat's tables (`NormalZiggurat.shared`), held here so a draw reads them directly.
    @usableFromInline let zigW: UnsafeMutablePointer<Double>, zigK: UnsafeMutablePointer<UInt32>

    /// The stream `stream` of step `step` under `seed`; `buffer` is scratch owned by one thread at a time.
    package init(seed: UInt64, stream: UInt32, step: UInt64, buffer: PhiloxBuffer) {
        key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        counter = SIMD4(0, stream, UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: step >> 32))
        self.buffer = buffer
        used = PhiloxBuffer.words
        let zig = NormalZiggurat.shared
        zigW = zig.w; zigK = zig.k
    }

    /// The next 32 random bits.
    @inlinable @inline(__always)
    mutating func next32() -> UInt32 {
        if used == PhiloxBuffer.words {
            Philox4x32.eightBlocks(counter: counter, key: key, into: buffer.words)
            counter.x &+= 8
            used = 0
        }
        defer { used += 1 }
        return buffer.words[used]
    }

    /// Uniform on `(0, 1)`: `(w + ½) 2⁻³²` for the next word `w` (never 0 or 1).
    @inlinable @inline(__always)
    package mutating func uniform() -> Double { (Double(next32()) + 0.5) * 0x1p-32 }

    /// `count` draws of `N(0, 1)` into `out`: the same values as `count` calls of
    /// `standardNormal()`, reading the word buffer in a tight loop.
    package mutating func fillStandardNormal(_ out: UnsafeMutablePointer<Double>, count: Int) {
        let w = zigW, k = zigK, words = UnsafePointer(buffer.words)
        var produced = 0
        while produced < count {
            if used == PhiloxBuffer.words {
                Philox4x32.eightBlocks(counter: counter, key: key, into: buffer.words)
                counter.x &+= 8
                used = 0
            }
            // Inner rectangles: one word, one value, until a word falls outside or the run ends.
            let run = min(PhiloxBuffer.words &- used, count &- produced)
            let t = Int(headflow_ziggurat_accept(words + used, Int32(run), w, k, out + produced))
            used &+= t; produced &+= t
            if t == run { continue }
            // The wedge or the tail: its extra uniforms come from the stream's next words.
            let word = words[used]
            used += 1
            let i = Int(word & 0x7F)
            if let y = NormalZiggurat.shared.outside(layer: i, x: Double(word >> 8) * w[i], &self) {
                out[produced] = word & 0x80 != 0 ? -y : y
                produced += 1
            }
        }
    }

    /// `N(0, 1)` by the ziggurat (`NormalZiggurat`), one word per draw but for
    /// the ≈ 1.2 % of draws that fall outside the rectangles.
    @inlinable @inline(__always)
    package mutating func standardNormal() -> Double {
        while true {
            let word = next32()
            let i = Int(word & 0x7F), j = word >> 8
            let x = Double(j) * zigW[i]
            if j < zigK[i] { return word & 0x80 != 0 ? -x : x }
            if let y = NormalZiggurat.shared.outside(layer: i, x: x, &self) { return word & 0x80 != 0 ? -y : y }
        }
    }
}

/// Scratch for 32 Philox words (eight blocks); reused across steps by one chunk.
package final class PhiloxBuffer: @unchecked Sendable {
    @usableFromInline static let words = 32
    @usableFromInline let words: UnsafeMutablePointer<UInt32>
    /// A zeroed buffer.
    package init() { words = .allocate(capacity: Self.words); words.initialize(repeating: 0, count: Self.words) }
    deinit { words.deallocate() }
}
