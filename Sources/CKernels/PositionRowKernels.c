// The dense convolution's innermost loop, compiled once per instruction set and chosen at run time, so that the
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

void nc_position_row_tile64_generic(float *rowOutput, const int32_t *rowStarts, const int32_t *landingColumns,
                                    int64_t landingStride, int64_t inputWidth, int64_t outputChannels,
                                    const float *tile, const int32_t *channels, const float *values) {
    for (int64_t x = 0; x < inputWidth; x++) {
        int32_t first = rowStarts[x], end = rowStarts[x + 1];
        int32_t column = landingColumns[x * landingStride];
        if (first == end || column < 0) continue;
        float *target = rowOutput + (int64_t)column * outputChannels;
        NCFloat8 a0 = LOAD8(target), a1 = LOAD8(target + 8), a2 = LOAD8(target + 16), a3 = LOAD8(target + 24);
        NCFloat8 a4 = LOAD8(target + 32), a5 = LOAD8(target + 40), a6 = LOAD8(target + 48), a7 = LOAD8(target + 56);
        for (int32_t entry = first; entry < end; entry++) {
            float value = values[entry];
            NCFloat8 amount = {value, value, value, value, value, value, value, value};
            const float *row = tile + (int64_t)channels[entry] * 64;
            a0 = a0 + amount * LOAD8(row);
            a1 = a1 + amount * LOAD8(row + 8);
            a2 = a2 + amount * LOAD8(row + 16);
            a3 = a3 + amount * LOAD8(row + 24);
            a4 = a4 + amount * LOAD8(row + 32);
            a5 = a5 + amount * LOAD8(row + 40);
            a6 = a6 + amount * LOAD8(row + 48);
            a7 = a7 + amount * LOAD8(row + 56);
        }
        STORE8(target, a0); STORE8(target + 8, a1); STORE8(target + 16, a2); STORE8(target + 24, a3);
        STORE8(target + 32, a4); STORE8(target + 40, a5); STORE8(target + 48, a6); STORE8(target + 56, a7);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_position_row_tile64_avx2(float *rowOutput, const int32_t *rowStarts, const int32_t *landingColumns,
                                 int64_t landingStride, int64_t inputWidth, int64_t outputChannels,
                                 const float *tile, const int32_t *channels, const float *values) {
    for (int64_t x = 0; x < inputWidth; x++) {
        int32_t first = rowStarts[x], end = rowStarts[x + 1];
        int32_t column = landingColumns[x * landingStride];
        if (first == end || column < 0) continue;
        float *target = rowOutput + (int64_t)column * outputChannels;
        __m256 a0 = _mm256_loadu_ps(target), a1 = _mm256_loadu_ps(target + 8);
        __m256 a2 = _mm256_loadu_ps(target + 16), a3 = _mm256_loadu_ps(target + 24);
        __m256 a4 = _mm256_loadu_ps(target + 32), a5 = _mm256_loadu_ps(target + 40);
        __m256 a6 = _mm256_loadu_ps(target + 48), a7 = _mm256_loadu_ps(target + 56);
        for (int32_t entry = first; entry < end; entry++) {
            __m256 amount = _mm256_set1_ps(values[entry]);
            const float *row = tile + (int64_t)channels[entry] * 64;
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(amount, _mm256_loadu_ps(row)));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 8)));
            a2 = _mm256_add_ps(a2, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 16)));
            a3 = _mm256_add_ps(a3, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 24)));
            a4 = _mm256_add_ps(a4, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 32)));
            a5 = _mm256_add_ps(a5, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 40)));
            a6 = _mm256_add_ps(a6, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 48)));
            a7 = _mm256_add_ps(a7, _mm256_mul_ps(amount, _mm256_loadu_ps(row + 56)));
        }
        _mm256_storeu_ps(target, a0); _mm256_storeu_ps(target + 8, a1);
        _mm256_storeu_ps(target + 16, a2); _mm256_storeu_ps(target + 24, a3);
        _mm256_storeu_ps(target + 32, a4); _mm256_storeu_ps(target + 40, a5);
        _mm256_storeu_ps(target + 48, a6); _mm256_storeu_ps(target + 56, a7);
    }
}

__attribute__((target("avx512f")))
void nc_position_row_tile64_avx512(float *rowOutput, const int32_t *rowStarts, const int32_t *landingColumns,
                                   int64_t landingStride, int64_t inputWidth, int64_t outputChannels,
                                   const float *tile, const int32_t *channels, const float *values) {
    for (int64_t x = 0; x < inputWidth; x++) {
        int32_t first = rowStarts[x], end = rowStarts[x + 1];
        int32_t column = landingColumns[x * landingStride];
        if (first == end || column < 0) continue;
        float *target = rowOutput + (int64_t)column * outputChannels;
        __m512 a0 = _mm512_loadu_ps(target), a1 = _mm512_loadu_ps(target + 16);
        __m512 a2 = _mm512_loadu_ps(target + 32), a3 = _mm512_loadu_ps(target + 48);
        for (int32_t entry = first; entry < end; entry++) {
            __m512 amount = _mm512_set1_ps(values[entry]);
            const float *row = tile + (int64_t)channels[entry] * 64;
            a0 = _mm512_add_ps(a0, _mm512_mul_ps(amount, _mm512_loadu_ps(row)));
            a1 = _mm512_add_ps(a1, _mm512_mul_ps(amount, _mm512_loadu_ps(row + 16)));
            a2 = _mm512_add_ps(a2, _mm512_mul_ps(amount, _mm512_loadu_ps(row + 32)));
            a3 = _mm512_add_ps(a3, _mm512_mul_ps(amount, _mm512_loadu_ps(row + 48)));
        }
        _mm512_storeu_ps(target, a0); _mm512_storeu_ps(target + 16, a1);
        _mm512_storeu_ps(target + 32, a2); _mm512_storeu_ps(target + 48, a3);
    }
}
#endif

#if defined(__aarch64__)
void nc_position_row_tile64_neon(float *rowOutput, const int32_t *rowStarts, const int32_t *landingColumns,
                                 int64_t landingStride, int64_t inputWidth, int64_t outputChannels,
                                 const float *tile, const int32_t *channels, const float *values) {
    for (int64_t x = 0; x < inputWidth; x++) {
        int32_t first = rowStarts[x], end = rowStarts[x + 1];
        int32_t column = landingColumns[x * landingStride];
        if (first == end || column < 0) continue;
        float *target = rowOutput + (int64_t)column * outputChannels;
        float32x4_t sums[16];
        for (int k = 0; k < 16; k++) sums[k] = vld1q_f32(target + 4 * k);
        for (int32_t entry = first; entry < end; entry++) {
            float32x4_t amount = vdupq_n_f32(values[entry]);
            const float *row = tile + (int64_t)channels[entry] * 64;
            // vmulq then vaddq, never vfmaq: one rounding per operation, as in every other variant.
            for (int k = 0; k < 16; k++) sums[k] = vaddq_f32(sums[k], vmulq_f32(amount, vld1q_f32(row + 4 * k)));
        }
        for (int k = 0; k < 16; k++) vst1q_f32(target + 4 * k, sums[k]);
    }
}
#endif
