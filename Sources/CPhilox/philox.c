// Philox4x32-10 blocks and the ziggurat's inner-rectangle step: portable loops and, on x86-64
// with AVX2 (detected at run time), eight counters / four words at once. Every path gives the
// same bits (the Swift tests check Random123's answers and the Gaussian stream).
#include "CPhilox.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void blocks_portable(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                            uint32_t k0, uint32_t k1, uint32_t *out, int blocks) {
    for (int b = 0; b < blocks; b++) {
        uint32_t x0 = c0 + (uint32_t)b, x1 = c1, x2 = c2, x3 = c3, key0 = k0, key1 = k1;
        for (int round = 0; round < 10; round++) {
            if (round > 0) { key0 += PHILOX_W0; key1 += PHILOX_W1; }
            uint64_t p0 = (uint64_t)PHILOX_M0 * x0, p1 = (uint64_t)PHILOX_M1 * x2;
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ x1 ^ key0, n2 = (uint32_t)(p0 >> 32) ^ x3 ^ key1;
            x0 = n0; x1 = (uint32_t)p1; x2 = n2; x3 = (uint32_t)p0;
        }
        out[4 * b] = x0; out[4 * b + 1] = x1; out[4 * b + 2] = x2; out[4 * b + 3] = x3;
    }
}

// The ziggurat's inner-rectangle test one word at a time, from word `t` on: the layer is the low 7 bits,
// the sign bit 7, the 24-bit value the rest; stops at the first word that fails.
static int accept_portable(const uint32_t *words, int t, int count, const double *w, const uint32_t *k, double *out) {
    for (; t < count; t++) {
        uint32_t x = words[t], i = x & 0x7F, j = x >> 8;
        if (j >= k[i]) break;
        union { double d; uint64_t u; } v = { (double)j * w[i] };
        v.u |= (uint64_t)(x & 0x80) << 56;
        out[t] = v.d;
    }
    return t;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// hi and lo 32 bits of x·m in every 32-bit lane (vpmuludq takes the even lanes; the odd ones are shifted down).
__attribute__((target("avx2")))
static inline void mul_hi_lo(__m256i x, __m256i m, __m256i *hi, __m256i *lo) {
    __m256i even = _mm256_mul_epu32(x, m), odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

__attribute__((target("avx2")))
static void blocks_avx2(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                        uint32_t k0, uint32_t k1, uint32_t *out, int blocks) {
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
    const __m256i w0 = _mm256_set1_epi32((int)PHILOX_W0), w1 = _mm256_set1_epi32((int)PHILOX_W1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)(c0 + (uint32_t)b)), lane);
        __m256i x1 = _mm256_set1_epi32((int)c1), x2 = _mm256_set1_epi32((int)c2), x3 = _mm256_set1_epi32((int)c3);
        __m256i key0 = _mm256_set1_epi32((int)k0), key1 = _mm256_set1_epi32((int)k1);
        for (int round = 0; round < 10; round++) {
            if (round > 0) { key0 = _mm256_add_epi32(key0, w0); key1 = _mm256_add_epi32(key1, w1); }
            __m256i hi0, lo0, hi1, lo1;
            mul_hi_lo(x0, m0, &hi0, &lo0);
            mul_hi_lo(x2, m1, &hi1, &lo1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), key0);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), key1);
            x1 = lo1; x3 = lo0;
        }
        // Transpose the four word vectors into eight blocks of four words.
        __m256i t0 = _mm256_unpacklo_epi32(x0, x1), t1 = _mm256_unpackhi_epi32(x0, x1);
        __m256i t2 = _mm256_unpacklo_epi32(x2, x3), t3 = _mm256_unpackhi_epi32(x2, x3);
        __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
        __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
        uint32_t *o = out + 4 * b;
        _mm256_storeu_si256((__m256i *)o, _mm256_permute2x128_si256(u0, u1, 0x20));
        _mm256_storeu_si256((__m256i *)(o + 8), _mm256_permute2x128_si256(u2, u3, 0x20));
        _mm256_storeu_si256((__m256i *)(o + 16), _mm256_permute2x128_si256(u0, u1, 0x31));
        _mm256_storeu_si256((__m256i *)(o + 24), _mm256_permute2x128_si256(u2, u3, 0x31));
    }
    if (b < blocks) blocks_portable(c0 + (uint32_t)b, c1, c2, c3, k0, k1, out + 4 * b, blocks - b);
}

// Four words at a time: gather the thresholds and widths, accept while all four pass.
__attribute__((target("avx2")))
static int accept_avx2(const uint32_t *words, int count, const double *w, const uint32_t *k, double *out) {
    const __m128i layer = _mm_set1_epi32(0x7F);
    const __m256i sign = _mm256_set1_epi64x(0x80);
    int t = 0;
    for (; t + 4 <= count; t += 4) {
        __m128i x = _mm_loadu_si128((const __m128i *)(words + t));
        __m128i i = _mm_and_si128(x, layer), j = _mm_srli_epi32(x, 8);
        __m128i limit = _mm_i32gather_epi32((const int *)k, i, 4);
        // j and k are below 2^24, so the signed comparison is the unsigned one.
        int pass = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmplt_epi32(j, limit)));
        if (pass != 0xF) break;
        __m256d value = _mm256_mul_pd(_mm256_cvtepi32_pd(j), _mm256_i32gather_pd(w, i, 8));
        __m256i bits = _mm256_slli_epi64(_mm256_and_si256(_mm256_cvtepu32_epi64(x), sign), 56);
        _mm256_storeu_pd(out + t, _mm256_or_pd(value, _mm256_castsi256_pd(bits)));
    }
    return accept_portable(words, t, count, w, k, out);
}

static int detect_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}
#else
static int detect_avx2(void) { return 0; }
#endif

// -1: not yet detected. Threads racing here all store the same value.
static int vectorised = -1;

int headflow_philox_vectorised(void) {
    int v = __atomic_load_n(&vectorised, __ATOMIC_RELAXED);
    if (v < 0) { v = detect_avx2(); __atomic_store_n(&vectorised, v, __ATOMIC_RELAXED); }
    return v;
}

void headflow_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                            uint32_t k0, uint32_t k1, uint32_t *out, int blocks) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (headflow_philox_vectorised()) { blocks_avx2(c0, c1, c2, c3, k0, k1, out, blocks); return; }
#endif
    blocks_portable(c0, c1, c2, c3, k0, k1, out, blocks);
}

int headflow_ziggurat_accept(const uint32_t *words, int count, const double *w, const uint32_t *k, double *out) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (headflow_philox_vectorised()) return accept_avx2(words, count, w, k, out);
#endif
    return accept_portable(words, 0, count, w, k, out);
}
