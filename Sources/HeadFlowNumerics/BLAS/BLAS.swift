#if canImport(Glibc)
import Glibc
#endif

/// A real type whose matrix products OpenBLAS computes: `Float` (`cblas_sgemm`) and `Double` (`cblas_dgemm`).
///
/// The image network is generic over it, so float32 and float64 training run the same code.
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// OpenBLAS's row-major `C ← α op(A) op(B) + β C` for this type (callers use `BLAS.gemm`).
    static func openBLASGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32,
                             _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int32, _ b: UnsafePointer<Self>, _ ldb: Int32,
                             _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
}

extension Float: BLASScalar {
    /// OpenBLAS `cblas_sgemm`, row-major (see `BLASScalar`).
    public static func openBLASGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32,
                                    _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32,
                                    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        OpenBLAS.shared.sgemm(OpenBLAS.rowMajor, OpenBLAS.flag(transA), OpenBLAS.flag(transB), m, n, k,
                              alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Double: BLASScalar {
    /// OpenBLAS `cblas_dgemm`, row-major (see `BLASScalar`).
    public static func openBLASGemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32,
                                    _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int32, _ b: UnsafePointer<Double>, _ ldb: Int32,
                                    _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        OpenBLAS.shared.dgemm(OpenBLAS.rowMajor, OpenBLAS.flag(transA), OpenBLAS.flag(transB), m, n, k,
                              alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// Matrix products through OpenBLAS's CBLAS (Debian's `libopenblas0`), for the image network's large products.
///
/// GSL keeps its own CBLAS (`LinearAlgebra.gemm` and GSL's linear algebra use `libgslcblas`, so every
/// existing output keeps its bits). Both libraries define every `cblas_*` name, and a process binds a
/// name once — the first library loaded wins for every caller, and SwiftPM's link order cannot be fixed
/// — so OpenBLAS is not linked: it is opened at the first product with `dlopen(RTLD_LOCAL)`, which keeps
/// its names out of the process's global scope, and its `cblas_sgemm`/`cblas_dgemm` are looked up in it
/// alone. Commands that multiply no image never load it.
///
/// OpenBLAS runs on one thread here (set when it is opened): its products with 1 and 2 threads differ in
/// the last bits, so callers parallelise over a partition of their own (`WorkerPool`) with a fixed-order
/// reduction, and a product's bits depend only on its operands.
public enum BLAS {
    /// `C ← α · op(A) · op(B) + β · C` on row-major storage: `op(A)` is `m × k`, `op(B)` `k × n`, `C`
    /// `m × n`; `lda`, `ldb`, `ldc` are the row strides of the stored matrices (`A` stored `k × m` when
    /// `transA`). With `k = 0`, `C ← β C`; with `m = 0` or `n = 0`, nothing happens.
    ///
    /// - Precondition: OpenBLAS is installed (`scripts/setup`); otherwise the process stops with a message
    ///   naming the library.
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
        T.openBLASGemm(transA, transB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's build and kernel, e.g. `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64 (Zen)`.
    public static var configuration: String {
        let lib = OpenBLAS.shared
        return String(cString: lib.config()) + " (" + String(cString: lib.corename()) + ")"
    }

    /// The number of threads OpenBLAS uses for one call (1).
    public static var threads: Int { Int(OpenBLAS.shared.getThreads()) }

    /// The file OpenBLAS was opened from.
    public static var library: String { OpenBLAS.file }
}

/// OpenBLAS opened with `RTLD_LOCAL` and the functions headflow calls (internal; see `BLAS`).
struct OpenBLAS: @unchecked Sendable {
    typealias Sgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias Dgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
                                      UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetThreads = @convention(c) () -> Int32
    typealias Text = @convention(c) () -> UnsafeMutablePointer<CChar>

    /// CBLAS's `CblasRowMajor`, `CblasNoTrans`, `CblasTrans` (cblas.h).
    static let rowMajor: Int32 = 101
    static func flag(_ transpose: Bool) -> Int32 { transpose ? 112 : 111 }

    /// The shared library opened: Debian's alternatives link (pthread build by default).
    static let file = "libopenblas.so.0"

    let sgemm: Sgemm
    let dgemm: Dgemm
    let getThreads: GetThreads
    let config: Text, corename: Text

    /// Opened once per process, at the first use; OpenBLAS set to one thread.
    static let shared = OpenBLAS()

    private init() {
        guard let handle = dlopen(Self.file, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            fatalError("headflow: cannot open OpenBLAS (\(reason)); install it with scripts/setup (Debian: apt-get install libopenblas0)")
        }
        func symbol<F>(_ name: String, _ type: F.Type) -> F {
            guard let p = dlsym(handle, name) else { fatalError("headflow: OpenBLAS (\(Self.file)) has no \(name)") }
            return unsafeBitCast(p, to: type)
        }
        sgemm = symbol("cblas_sgemm", Sgemm.self)
        dgemm = symbol("cblas_dgemm", Dgemm.self)
        getThreads = symbol("openblas_get_num_threads", GetThreads.self)
        config = symbol("openblas_get_config", Text.self)
        corename = symbol("openblas_get_corename", Text.self)
        symbol("openblas_set_num_threads", SetThreads.self)(1)
    }
}
