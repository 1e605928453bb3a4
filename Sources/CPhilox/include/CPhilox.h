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

#endif
