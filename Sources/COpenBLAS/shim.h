#ifndef HEADFLOW_COPENBLAS_SHIM_H
#define HEADFLOW_COPENBLAS_SHIM_H
// OpenBLAS (Debian's libopenblas-dev, pkg-config openblas) through the names only OpenBLAS defines:
// the reference BLAS `?gemm_` (column-major, arguments by address; OpenBLAS implements them in C with
// exactly these parameters) and its thread control. Not through `cblas_?gemm`: GSL links its own CBLAS
// (libgslcblas), which defines every `cblas_*` name too, and a process binds each name once — the first
// library in load order wins for every caller. GSL keeps its CBLAS (existing outputs unchanged, checked
// by BLASTests); headflow's image network reaches OpenBLAS by these names, which libgslcblas lacks.

/// C ← α op(A) op(B) + β C, column-major, single precision (`blasint` is `int`: not a 64-bit-integer build).
void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
            const float *beta, float *c, const int *ldc);
/// C ← α op(A) op(B) + β C, column-major, double precision.
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);
/// Threads OpenBLAS splits one call over.
void openblas_set_num_threads(int num_threads);
/// The current number of OpenBLAS threads.
int openblas_get_num_threads(void);
/// The build configuration (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64").
char *openblas_get_config(void);
/// The kernel family chosen for this CPU (e.g. "Haswell", "Zen").
char *openblas_get_corename(void);
#endif
