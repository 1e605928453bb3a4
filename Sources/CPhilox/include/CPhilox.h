#ifndef HEADFLOW_CPHILOX_H
#define HEADFLOW_CPHILOX_H
#include <stdint.h>

/// Philox4x32-10 (Salmon et al., SC'11; Random123's philox4x32 with 10 rounds) for `blocks`
/// consecutive counters (c0 + b, c1, c2, c3), b = 0 … blocks − 1, under the key (k0, k1):
/// block b's four output words go to out[4b … 4b + 3]. The same bits on every path; on x86-64
/// CPUs with AVX2 eight blocks run in the lanes of one register (chosen at run time).
void headflow_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                            uint32_t k0, uint32_t k1, uint32_t *out, int blocks);

/// 1 when `headflow_philox4x32_10` uses the AVX2 path on this CPU, else 0.
int headflow_philox_vectorised(void);

/// The ziggurat's inner-rectangle step (Marsaglia & Tsang, 128 layers, GSL's word layout) over
/// words[0 … count − 1]: word t gives layer i = t & 0x7F, sign bit 0x80 and abscissa j = t >> 8,
/// accepted when j < k[i], as out[t] = ±j·w[i]. Stops at the first word not accepted and returns
/// how many were (count when all were); that word and the rest are left to the caller.
int headflow_ziggurat_accept(const uint32_t *words, int count, const double *w, const uint32_t *k, double *out);

/// A spin-wait hint (x86 `pause`; nothing elsewhere), for threads polling a flag.
static inline void headflow_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
