import Foundation
import Testing
@testable import HeadFlowNumerics

/// `BLAS.gemm` (OpenBLAS) against a plain triple loop, and the two CBLAS libraries kept apart.
@Suite("BLAS: OpenBLAS products, GSL's CBLAS untouched")
struct BLASTests {
    /// `C ← α op(A) op(B) + β C` by the definition, row-major with row strides, in float64.
    static func reference<T: BLASScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T, a: [T], lda: Int,
                                         b: [T], ldb: Int, beta: T, c: [T], ldc: Int) -> [Double] {
        var out = c.map { Double($0) }
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k {
                    let x = transA ? a[l * lda + i] : a[i * lda + l], y = transB ? b[j * ldb + l] : b[l * ldb + j]
                    s += Double(x) * Double(y)
                }
                out[i * ldc + j] = Double(alpha) * s + Double(beta) * Double(c[i * ldc + j])
            }
        }
        return out
    }

    /// One random product of every transpose combination, padded row strides, `α ≠ 1`, `β ≠ 0`.
    static func check<T: BLASScalar>(_ type: T.Type, seed: UInt64, tolerance: Double) {
        let source = RandomSource(seed: seed)
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            let m = 1 + source.uniformInt(37), n = 1 + source.uniformInt(29), k = 1 + source.uniformInt(70)
            let (ar, ac) = transA ? (k, m) : (m, k), (br, bc) = transB ? (n, k) : (k, n)
            let lda = ac + source.uniformInt(3), ldb = bc + source.uniformInt(3), ldc = n + source.uniformInt(3)
            let a = (0..<(ar * lda)).map { _ in T(source.gaussian()) }, b = (0..<(br * ldb)).map { _ in T(source.gaussian()) }
            var c = (0..<(m * ldc)).map { _ in T(source.gaussian()) }
            let alpha = T(0.75), beta = T(-0.5)
            let expected = reference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                     b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: &c, ldc: ldc)
            let scale = (Double(k) + 1).squareRoot()
            let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= tolerance * scale, "\(T.self) transA \(transA) transB \(transB) \(m)×\(n)×\(k): error \(worst)")
        }
    }

    @Test("sgemm equals the triple loop for every transpose, stride, α and β (float32 rounding)", arguments: [UInt64(1), 2, 3])
    func singlePrecision(seed: UInt64) { Self.check(Float.self, seed: seed, tolerance: 1e-5) }

    @Test("dgemm equals the triple loop for every transpose, stride, α and β (float64 rounding)", arguments: [UInt64(4), 5, 6])
    func doublePrecision(seed: UInt64) { Self.check(Double.self, seed: seed, tolerance: 1e-13) }

    @Test("k = 0 scales C by β; m = 0 leaves it")
    func emptyInnerDimension() {
        var c: [Double] = [1, 2, 3, 4]
        let none: [Double] = [0]
        BLAS.gemm(m: 2, n: 2, k: 0, a: none, lda: 1, b: none, ldb: 2, beta: 2, c: &c, ldc: 2)
        #expect(c == [2, 4, 6, 8])
        BLAS.gemm(m: 0, n: 2, k: 3, a: none, lda: 3, b: none, ldb: 2, beta: 0, c: &c, ldc: 2)
        #expect(c == [2, 4, 6, 8])
    }

    /// The file mapped at `address` in this process (/proc/self/maps).
    static func file(at address: UnsafeRawPointer) -> String? {
        guard let data = try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps")).readToEnd() else { return nil }
        let target = UInt(bitPattern: address)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let bounds = fields.first?.split(separator: "-").compactMap { UInt($0, radix: 16) } ?? []
            if fields.count >= 6, bounds.count == 2, bounds[0] <= target, target < bounds[1] { return String(fields[5]) }
        }
        return nil
    }

    /// The file of the library that serves `symbol` to the process's global scope (the first in load order).
    static func provider(_ symbol: String) -> String? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, symbol) else { return nil }
        return file(at: address)
    }

    @Test("GSL's cblas_dgemm is still libgslcblas's; BLAS.gemm's comes from OpenBLAS, kept out of the global scope, on one thread")
    func librariesKeptApart() throws {
        var c: [Float] = [0]
        BLAS.gemm(m: 1, n: 1, k: 1, a: [Float(2)], lda: 1, b: [Float(3)], ldb: 1, c: &c, ldc: 1)
        #expect(c == [6])
        let gsl = try #require(Self.provider("cblas_dgemm"))
        #expect(gsl.contains("gslcblas"), "cblas_dgemm comes from \(gsl): GSL's products (and existing outputs) would change")
        #expect(Self.provider("openblas_get_config") == nil, "OpenBLAS's names leaked into the global scope")
        for pointer in [unsafeBitCast(OpenBLAS.shared.sgemm, to: UnsafeRawPointer.self),
                        unsafeBitCast(OpenBLAS.shared.dgemm, to: UnsafeRawPointer.self)] {
            let lib = try #require(Self.file(at: pointer))
            #expect(lib.contains("openblas"), "BLAS.gemm calls into \(lib)")
        }
        #expect(BLAS.threads == 1)
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }
}
