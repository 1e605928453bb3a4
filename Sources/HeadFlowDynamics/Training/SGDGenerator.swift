import HeadFlowNumerics

/// The random number generator of SGD's data stream (`--rng`).
public enum SGDGenerator: String, CaseIterable, Sendable, Codable {
    /// Philox4x32-10, counter-based (default): chunk `c` of the batch at step `n`
    /// draws from the block stream `(·, c, n)` under the data seed as key, so no
    /// state is carried from step to step and chunks are independent by construction.
    case philox
    /// GSL's Mersenne Twister (`gsl_rng_mt19937`): one persistent stream per
    /// chunk, seeded from the data seed and the chunk index (**choice**: a
    /// SplitMix64 mix), plus one for the per-step draws outside the chunks.
    case gsl
}

/// Work done on one chunk of a batch with that chunk's stream (internal).
protocol SGDChunkWork {
    /// Processes chunk `chunk`, drawing from `stream` in sample order.
    func work<S: RandomStream>(chunk: Int, stream: inout S)
}

/// The streams of one SGD run (internal): one per chunk, and a main stream for
/// the draws of a step outside the chunks (the Wishart factor, a fixed data set's
/// order and masks). A chunk's stream is used by one thread at a time.
final class SGDStreams: @unchecked Sendable {
    let generator: SGDGenerator
    let seed: UInt64
    private let buffers: [PhiloxBuffer]
    private let sources: [RandomSource]

    /// Streams for `chunks` chunks under `seed`.
    init(generator: SGDGenerator, seed: UInt64, chunks: Int) {
        self.generator = generator; self.seed = seed
        switch generator {
        case .philox:
            buffers = (0...chunks).map { _ in PhiloxBuffer() }
            sources = []
        case .gsl:
            buffers = []
            sources = [RandomSource(seed: seed)] + (0..<chunks).map { c in RandomSource(seed: Self.mix(seed, UInt64(c) + 1)) }
        }
    }

    /// SplitMix64 of `seed + i·γ` (the chunk streams' GSL seeds).
    static func mix(_ seed: UInt64, _ i: UInt64) -> UInt64 {
        var z = seed &+ i &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Runs `body.work` on chunk `chunk` at step `step` with the chunk's stream.
    @inline(__always)
    func run<W: SGDChunkWork>(_ body: W, chunk: Int, step: Int) {
        switch generator {
        case .philox:
            var s = PhiloxStream(seed: seed, stream: UInt32(chunk), step: UInt64(step), buffer: buffers[chunk + 1])
            body.work(chunk: chunk, stream: &s)
        case .gsl:
            var s = sources[chunk + 1]
            body.work(chunk: chunk, stream: &s)
        }
    }

    /// The main stream at step `step` (`0`: before the first step).
    func main(step: Int) -> any RandomStream {
        switch generator {
        case .philox: return PhiloxStream(seed: seed, stream: .max, step: UInt64(step), buffer: buffers[0])
        case .gsl: return sources[0]
        }
    }
}
