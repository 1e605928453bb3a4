import Testing
@testable import HeadFlowNumerics

/// Philox4x32-10 against Random123's published answers, and its Gaussians against GSL's.
@Suite("Random streams: Philox4x32-10 and its Gaussian")
struct RandomStreamTests {
    /// Random123 `tests/kat_vectors`, the three `philox4x32 10` lines: counter, key, expected.
    @Test("Philox4x32-10 reproduces Random123's known-answer vectors")
    func knownAnswers() {
        let cases: [(SIMD4<UInt32>, SIMD2<UInt32>, SIMD4<UInt32>)] = [
            (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
            (SIMD4(.max, .max, .max, .max), SIMD2(.max, .max), SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
            (SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
             SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
        ]
        for (counter, key, expected) in cases {
            #expect(Philox4x32.block(counter: counter, key: key) == expected)
            // The SIMD path: block j of eight equals block(counter + j).
            let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 32)
            defer { out.deallocate() }
            Philox4x32.eightBlocks(counter: counter, key: key, into: out)
            #expect(SIMD4(out[0], out[1], out[2], out[3]) == expected)
            for j in 1..<8 {
                var c = counter; c.x &+= UInt32(j)
                let b = Philox4x32.block(counter: c, key: key)
                #expect(SIMD4(out[4 * j], out[4 * j + 1], out[4 * j + 2], out[4 * j + 3]) == b)
            }
        }
        // A one-bit change of the key changes the block (negative control of the key schedule).
        #expect(Philox4x32.block(counter: SIMD4(0, 0, 0, 0), key: SIMD2(1, 0)) != cases[0].2)
    }

    /// Streams are named by (seed, stream, step): the same name gives the same words, another name others.
    @Test("a Philox stream is determined by its seed, stream index and step")
    func streamNames() {
        func words(_ seed: UInt64, _ stream: UInt32, _ step: UInt64) -> [UInt32] {
            var s = PhiloxStream(seed: seed, stream: stream, step: step, buffer: PhiloxBuffer())
            return (0..<70).map { _ in s.next32() }
        }
        let base = words(7, 3, 11)
        #expect(base == words(7, 3, 11))
        #expect(base != words(8, 3, 11) && base != words(7, 4, 11) && base != words(7, 3, 12))
        // The words are the blocks at counters (j, stream, step) in order.
        let b1 = Philox4x32.block(counter: SIMD4(1, 3, 11, 0), key: SIMD2(7, 0))
        #expect(Array(base[4..<8]) == [b1.x, b1.y, b1.z, b1.w])
    }

    /// Sample moments of `n` draws: mean, variance, skewness, excess kurtosis.
    static func moments(_ x: [Double]) -> [Double] {
        let n = Double(x.count), mean = x.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for v in x { let c = v - mean; m2 += c * c; m3 += c * c * c; m4 += c * c * c * c }
        m2 /= n; m3 /= n; m4 /= n
        return [mean, m2, m3 / (m2 * m2.squareRoot()), m4 / (m2 * m2) - 3]
    }

    /// `N(0, 1)` has mean 0, variance 1, skewness 0, excess kurtosis 0; with `n = 10⁶` draws their
    /// standard errors are `1/√n`, `√(2/n)`, `√(6/n)`, `√(24/n)`: all within 5 of them.
    @Test("Philox Gaussian: mean, variance, skewness and kurtosis of 10⁶ draws")
    func gaussianMoments() {
        let n = 1_000_000
        var s = PhiloxStream(seed: 2024, stream: 0, step: 1, buffer: PhiloxBuffer())
        let x = (0..<n).map { _ in s.standardNormal() }
        let m = Self.moments(x), se = [1, 2, 6, 24].map { (Double($0) / Double(n)).squareRoot() }
        let target = [0.0, 1, 0, 0]
        for q in 0..<4 { #expect(abs(m[q] - target[q]) < 5 * se[q], "moment \(q + 1): \(m[q])") }
        // The tail beyond the base strip (|x| > r = 3.44) has probability 5.76·10⁻⁴: seen at that rate.
        let tail = Double(x.filter { abs($0) > NormalZiggurat.r }.count) / Double(n)
        #expect(abs(tail - 5.7611e-4) < 5 * (5.76e-4 / Double(n)).squareRoot(), "tail rate \(tail)")
    }

    /// Two-sample Kolmogorov–Smirnov: Philox's and GSL's Gaussians agree at level 0.001
    /// (`D < 1.949 √(2/n)`); a Gaussian of variance 1.01 is rejected (negative control).
    @Test("Philox Gaussian and GSL's Gaussian pass a two-sample KS test")
    func ksAgainstGSL() {
        let n = 200_000
        var philox = PhiloxStream(seed: 99, stream: 5, step: 3, buffer: PhiloxBuffer())
        let gsl = RandomSource(seed: 99)
        let x = (0..<n).map { _ in philox.standardNormal() }
        let y = (0..<n).map { _ in gsl.gaussian() }
        let wide = (0..<n).map { _ in 1.1 * gsl.gaussian() }
        let critical = 1.949 * (2 / Double(n)).squareRoot()
        #expect(SGDSamplerTests.ks(x, y) < critical, "D = \(SGDSamplerTests.ks(x, y))")
        #expect(SGDSamplerTests.ks(x, wide) > critical)
    }

    /// χ² by Marsaglia–Tsang on a Philox stream: mean ν and variance 2ν (within 5 standard errors), ν = 0.7, 3, 46.
    @Test("Philox chi-squared: mean ν and variance 2ν")
    func chiSquared() {
        let n = 100_000
        for nu in [0.7, 3.0, 46.0] {
            var s = PhiloxStream(seed: 5, stream: 0, step: 0, buffer: PhiloxBuffer())
            let x = (0..<n).map { _ in s.chiSquared(nu) }
            let m = Self.moments(x)
            #expect(abs(m[0] - nu) < 5 * (2 * nu / Double(n)).squareRoot(), "ν = \(nu): mean \(m[0])")
            // var of the sample variance ≈ (μ₄ − σ⁴)/n, μ₄ = 12ν(ν + 4) for χ².
            let se = ((12 * nu * (nu + 4) - 4 * nu * nu) / Double(n)).squareRoot()
            #expect(abs(m[1] - 2 * nu) < 5 * se, "ν = \(nu): variance \(m[1])")
        }
    }

    /// Inversion tables: `Bin(8, 0.3)` frequencies within 5 standard errors of the law.
    @Test("binomial and discrete draws by inversion follow their laws")
    func inversion() {
        let n = 100_000
        var s = PhiloxStream(seed: 1, stream: 0, step: 0, buffer: PhiloxBuffer())
        let table = InversionTable(binomial: 8, 0.3)
        var counts = [Int](repeating: 0, count: 9)
        for _ in 0..<n { counts[table.draw(s.uniform())] += 1 }
        var choose = 1.0
        for x in 0...8 {
            let p = choose * (0..<x).reduce(1.0) { r, _ in r * 0.3 } * (x..<8).reduce(1.0) { r, _ in r * 0.7 }
            #expect(abs(Double(counts[x]) / Double(n) - p) <= 5 * (p * (1 - p) / Double(n)).squareRoot() + 1e-12, "x = \(x)")
            choose = choose * Double(8 - x) / Double(x + 1)
        }
        #expect(InversionTable(binomial: 5, 0).draw(0.999) == 0 && InversionTable(binomial: 5, 1).draw(0) == 5)
        #expect(InversionTable(weights: [1, 0, 3]).draw(0.2) == 0 && InversionTable(weights: [1, 0, 3]).draw(0.3) == 2)
    }
}
