import COpenBLAS

/// A real type whose matrix products OpenBLAS computes: `Float` (`sgemm`) and `Double` (`dgemm`).
///
/// The image network is generic over it, so float32 and float64 training run the same code.
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// The reference-BLAS `?gemm_` of OpenBLAS, column-major: `C ← α op(A) op(B) + β C` with `op(A)`
    /// `m × k`, `op(B)` `k × n`, `C` `m × n`; `transA`/`transB` are `"N"` or `"T"` (as `CChar`).
    /// Callers use `BLAS.gemm`, which takes row-major operands.
    static func columnMajorGemm(_ transA: CChar, _ transB: CChar, _ m: Int32, _ n: Int32, _ k: Int32,
                                _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int32,
                                _ b: UnsafePointer<Self>, _ ldb: Int32,
                                _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
}

extension Float: BLASScalar {
    /// OpenBLAS `sgemm_` (see `BLASScalar`).
    public static func columnMajorGemm(_ transA: CChar, _ transB: CChar, _ m: Int32, _ n: Int32, _ k: Int32,
                                       _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int32,
                                       _ b: UnsafePointer<Float>, _ ldb: Int32,
                                       _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        var ta = transA, tb = transB, m = m, n = n, k = k, alpha = alpha, lda = lda, ldb = ldb, beta = beta, ldc = ldc
        sgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc)
    }
}

extension Double: BLASScalar {
    /// OpenBLAS `dgemm_` (see `BLASScalar`).
    public static func columnMajorGemm(_ transA: CChar, _ transB: CChar, _ m: Int32, _ n: Int32, _ k: Int32,
                                       _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int32,
                                       _ b: UnsafePointer<Double>, _ ldb: Int32,
                                       _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        var ta = transA, tb = transB, m = m, n = n, k = k, alpha = alpha, lda = lda, ldb = ldb, beta = beta, ldc = ldc
        dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc)
    }
}

/// Matrix products through OpenBLAS (Debian's `libopenblas0`), for the image network's large products.
///
/// GSL keeps its own CBLAS (`LinearAlgebra.gemm`, GSL's linear algebra): both libraries define every
/// `cblas_*` name, so OpenBLAS is reached by the names only it defines (Sources/COpenBLAS/shim.h).
///
/// OpenBLAS runs on one thread here (set once, before the first product): a product's bits then
/// depend only on its operands, never on a thread count, and callers parallelise over a partition of
/// their own (`WorkerPool`) with a fixed-order reduction.
public enum BLAS {
    /// `C ← α · op(A) · op(B) + β · C` on row-major storage: `op(A)` is `m × k`, `op(B)` `k × n`, `C`
    /// `m × n`; `lda`, `ldb`, `ldc` are the row strides of the stored matrices (`A` stored `k × m` when
    /// `transA`). With `k = 0`, `C ← β C`; with `m = 0` or `n = 0`, nothing happens.
    @inlinable
    public static func gemm<T: BLASScalar>(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                           alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                           beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } } }
            return
        }
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max), "BLAS.gemm: a size exceeds 32 bits")
        singleThreaded()
        // Row-major C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ, and a row-major matrix read
        // column-major is its transpose: swap the operands, keep the flags.
        let n8 = CChar(UInt8(ascii: "N")), t8 = CChar(UInt8(ascii: "T"))
        T.columnMajorGemm(transB ? t8 : n8, transA ? t8 : n8, Int32(n), Int32(m), Int32(k), alpha,
                          b, Int32(ldb), a, Int32(lda), beta, c, Int32(ldc))
    }

    /// Sets OpenBLAS to one thread, once per process (the first call; later calls return at once).
    @inlinable
    public static func singleThreaded() { _ = threadSetting }

    @usableFromInline
    static let threadSetting: Void = openblas_set_num_threads(1)

    /// OpenBLAS's build and kernel, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64 (Haswell)`.
    public static var configuration: String {
        String(cString: openblas_get_config()) + " (" + String(cString: openblas_get_corename()) + ")"
    }

    /// The number of threads OpenBLAS uses for one call (1 after the first product).
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
