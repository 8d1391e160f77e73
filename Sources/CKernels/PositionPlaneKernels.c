// The dense convolution's innermost loops, compiled once per instruction set and chosen at run time, so that the
// plain release build uses the widest vector unit of whatever CPU it runs on. Products and sums are separate
// operations in every variant (contraction off): the results are bit-identical to each other and to the
// Swift engine's summation order (docs/execution-model.md).
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

/// Eight floats in the architecture's baseline vector registers (two SSE registers each on x86-64).
typedef float NCFloat8 __attribute__((vector_size(32)));

// Macros rather than functions: a function taking or returning a 256-bit vector has a different ABI with and
// without AVX, which the compiler warns about in a baseline build.
#define LOAD8(source) ({ NCFloat8 loaded_; memcpy(&loaded_, (source), sizeof loaded_); loaded_; })
#define STORE8(target, value) do { NCFloat8 stored_ = (value); memcpy((target), &stored_, sizeof stored_); } while (0)

/// Every input position of the plane with entries whose tap lands inside the output: calls
/// POSITION(target, first, end) with the 64 output floats it adds to and its entries. Shared by every variant so
/// they walk the plane identically and differ only in the registers of POSITION.
#define FOR_EACH_LANDING_POSITION(a, POSITION)                                                                         \
    do {                                                                                                               \
        const int64_t rowFloats_ = (a)->outputWidth * (a)->outputChannels;                                             \
        for (int64_t y_ = 0; y_ < (a)->inputHeight; y_++) {                                                            \
            int32_t row_ = (a)->landingRows[y_ * (a)->kernelHeight];                                                   \
            if (row_ < 0) continue; /* the tap lands outside the output from this whole input row */                  \
            float *rowOutput_ = (a)->output + (int64_t)row_ * rowFloats_;                                              \
            const int32_t *rowStarts_ = (a)->starts + y_ * (a)->inputWidth;                                            \
            for (int64_t x_ = 0; x_ < (a)->inputWidth; x_++) {                                                         \
                int32_t first_ = rowStarts_[x_], end_ = rowStarts_[x_ + 1];                                            \
                int32_t column_ = (a)->landingColumns[x_ * (a)->kernelWidth];                                          \
                if (first_ == end_ || column_ < 0) continue;                                                           \
                POSITION(rowOutput_ + (int64_t)column_ * (a)->outputChannels, first_, end_);                           \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

void nc_position_plane_tile64_generic(const NCPositionPlaneArguments *a) {
    const float *tile = a->tile, *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define GENERIC_POSITION(target, first, end)                                                                           \
    do {                                                                                                               \
        NCFloat8 a0 = LOAD8(target), a1 = LOAD8(target + 8), a2 = LOAD8(target + 16), a3 = LOAD8(target + 24);        \
        NCFloat8 a4 = LOAD8(target + 32), a5 = LOAD8(target + 40), a6 = LOAD8(target + 48), a7 = LOAD8(target + 56);  \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = a0 + LOAD8(w); a1 = a1 + LOAD8(w + 8); a2 = a2 + LOAD8(w + 16); a3 = a3 + LOAD8(w + 24);          \
                a4 = a4 + LOAD8(w + 32); a5 = a5 + LOAD8(w + 40); a6 = a6 + LOAD8(w + 48); a7 = a7 + LOAD8(w + 56);    \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                float v = values[e];                                                                                   \
                NCFloat8 s = {v, v, v, v, v, v, v, v};                                                                 \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = a0 + s * LOAD8(w); a1 = a1 + s * LOAD8(w + 8);                                                    \
                a2 = a2 + s * LOAD8(w + 16); a3 = a3 + s * LOAD8(w + 24);                                              \
                a4 = a4 + s * LOAD8(w + 32); a5 = a5 + s * LOAD8(w + 40);                                              \
                a6 = a6 + s * LOAD8(w + 48); a7 = a7 + s * LOAD8(w + 56);                                              \
            }                                                                                                          \
        }                                                                                                              \
        STORE8(target, a0); STORE8(target + 8, a1); STORE8(target + 16, a2); STORE8(target + 24, a3);                 \
        STORE8(target + 32, a4); STORE8(target + 40, a5); STORE8(target + 48, a6); STORE8(target + 56, a7);           \
    } while (0)
    FOR_EACH_LANDING_POSITION(a, GENERIC_POSITION);
#undef GENERIC_POSITION
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_position_plane_tile64_avx2(const NCPositionPlaneArguments *a) {
    const float *tile = a->tile, *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define AVX2_POSITION(target, first, end)                                                                              \
    do {                                                                                                               \
        __m256 a0 = _mm256_loadu_ps(target), a1 = _mm256_loadu_ps(target + 8);                                        \
        __m256 a2 = _mm256_loadu_ps(target + 16), a3 = _mm256_loadu_ps(target + 24);                                  \
        __m256 a4 = _mm256_loadu_ps(target + 32), a5 = _mm256_loadu_ps(target + 40);                                  \
        __m256 a6 = _mm256_loadu_ps(target + 48), a7 = _mm256_loadu_ps(target + 56);                                  \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = _mm256_add_ps(a0, _mm256_loadu_ps(w)); a1 = _mm256_add_ps(a1, _mm256_loadu_ps(w + 8));           \
                a2 = _mm256_add_ps(a2, _mm256_loadu_ps(w + 16)); a3 = _mm256_add_ps(a3, _mm256_loadu_ps(w + 24));      \
                a4 = _mm256_add_ps(a4, _mm256_loadu_ps(w + 32)); a5 = _mm256_add_ps(a5, _mm256_loadu_ps(w + 40));      \
                a6 = _mm256_add_ps(a6, _mm256_loadu_ps(w + 48)); a7 = _mm256_add_ps(a7, _mm256_loadu_ps(w + 56));      \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                __m256 s = _mm256_set1_ps(values[e]);                                                                  \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = _mm256_add_ps(a0, _mm256_mul_ps(s, _mm256_loadu_ps(w)));                                          \
                a1 = _mm256_add_ps(a1, _mm256_mul_ps(s, _mm256_loadu_ps(w + 8)));                                      \
                a2 = _mm256_add_ps(a2, _mm256_mul_ps(s, _mm256_loadu_ps(w + 16)));                                     \
                a3 = _mm256_add_ps(a3, _mm256_mul_ps(s, _mm256_loadu_ps(w + 24)));                                     \
                a4 = _mm256_add_ps(a4, _mm256_mul_ps(s, _mm256_loadu_ps(w + 32)));                                     \
                a5 = _mm256_add_ps(a5, _mm256_mul_ps(s, _mm256_loadu_ps(w + 40)));                                     \
                a6 = _mm256_add_ps(a6, _mm256_mul_ps(s, _mm256_loadu_ps(w + 48)));                                     \
                a7 = _mm256_add_ps(a7, _mm256_mul_ps(s, _mm256_loadu_ps(w + 56)));                                     \
            }                                                                                                          \
        }                                                                                                              \
        _mm256_storeu_ps(target, a0); _mm256_storeu_ps(target + 8, a1);                                                \
        _mm256_storeu_ps(target + 16, a2); _mm256_storeu_ps(target + 24, a3);                                          \
        _mm256_storeu_ps(target + 32, a4); _mm256_storeu_ps(target + 40, a5);                                          \
        _mm256_storeu_ps(target + 48, a6); _mm256_storeu_ps(target + 56, a7);                                          \
    } while (0)
    FOR_EACH_LANDING_POSITION(a, AVX2_POSITION);
#undef AVX2_POSITION
}

__attribute__((target("avx512f")))
void nc_position_plane_tile64_avx512(const NCPositionPlaneArguments *a) {
    const float *tile = a->tile, *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define AVX512_POSITION(target, first, end)                                                                            \
    do {                                                                                                               \
        __m512 a0 = _mm512_loadu_ps(target), a1 = _mm512_loadu_ps(target + 16);                                       \
        __m512 a2 = _mm512_loadu_ps(target + 32), a3 = _mm512_loadu_ps(target + 48);                                  \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = _mm512_add_ps(a0, _mm512_loadu_ps(w)); a1 = _mm512_add_ps(a1, _mm512_loadu_ps(w + 16));          \
                a2 = _mm512_add_ps(a2, _mm512_loadu_ps(w + 32)); a3 = _mm512_add_ps(a3, _mm512_loadu_ps(w + 48));     \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                __m512 s = _mm512_set1_ps(values[e]);                                                                  \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                a0 = _mm512_add_ps(a0, _mm512_mul_ps(s, _mm512_loadu_ps(w)));                                          \
                a1 = _mm512_add_ps(a1, _mm512_mul_ps(s, _mm512_loadu_ps(w + 16)));                                     \
                a2 = _mm512_add_ps(a2, _mm512_mul_ps(s, _mm512_loadu_ps(w + 32)));                                     \
                a3 = _mm512_add_ps(a3, _mm512_mul_ps(s, _mm512_loadu_ps(w + 48)));                                     \
            }                                                                                                          \
        }                                                                                                              \
        _mm512_storeu_ps(target, a0); _mm512_storeu_ps(target + 16, a1);                                               \
        _mm512_storeu_ps(target + 32, a2); _mm512_storeu_ps(target + 48, a3);                                          \
    } while (0)
    FOR_EACH_LANDING_POSITION(a, AVX512_POSITION);
#undef AVX512_POSITION
}
#endif

#if defined(__aarch64__)
void nc_position_plane_tile64_neon(const NCPositionPlaneArguments *a) {
    const float *tile = a->tile, *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define NEON_POSITION(target, first, end)                                                                              \
    do {                                                                                                               \
        float32x4_t sums[16];                                                                                          \
        for (int k = 0; k < 16; k++) sums[k] = vld1q_f32(target + 4 * k);                                              \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                for (int k = 0; k < 16; k++) sums[k] = vaddq_f32(sums[k], vld1q_f32(w + 4 * k));                       \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                float32x4_t s = vdupq_n_f32(values[e]);                                                                \
                const float *w = tile + (int64_t)channels[e] * 64;                                                     \
                /* vmulq then vaddq, never vfmaq: one rounding per operation, as in every other variant. */           \
                for (int k = 0; k < 16; k++) sums[k] = vaddq_f32(sums[k], vmulq_f32(s, vld1q_f32(w + 4 * k)));         \
            }                                                                                                          \
        }                                                                                                              \
        for (int k = 0; k < 16; k++) vst1q_f32(target + 4 * k, sums[k]);                                              \
    } while (0)
    FOR_EACH_LANDING_POSITION(a, NEON_POSITION);
#undef NEON_POSITION
}
#endif
