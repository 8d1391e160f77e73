// A dense matrix's row, scaled, added to an output vector: the inner loop of Affine/Linear layers fed by spikes, once
// per (input, slot) of a group. Compiled once per instruction set and chosen at run time. Each product is rounded and
// then added (contraction off, no fused multiply-add), element by element, so every variant gives the same bits.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"


#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

void nc_scaled_row_add_generic(float *output, const float *row, float scale, int64_t count) {
    for (int64_t index = 0; index < count; index++) output[index] += scale * row[index];
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_scaled_row_add_avx2(float *output, const float *row, float scale, int64_t count) {
    const __m256 s = _mm256_set1_ps(scale);
    int64_t index = 0;
    for (; index + 32 <= count; index += 32) {
        __m256 a0 = _mm256_add_ps(_mm256_loadu_ps(output + index), _mm256_mul_ps(s, _mm256_loadu_ps(row + index)));
        __m256 a1 = _mm256_add_ps(_mm256_loadu_ps(output + index + 8), _mm256_mul_ps(s, _mm256_loadu_ps(row + index + 8)));
        __m256 a2 = _mm256_add_ps(_mm256_loadu_ps(output + index + 16), _mm256_mul_ps(s, _mm256_loadu_ps(row + index + 16)));
        __m256 a3 = _mm256_add_ps(_mm256_loadu_ps(output + index + 24), _mm256_mul_ps(s, _mm256_loadu_ps(row + index + 24)));
        _mm256_storeu_ps(output + index, a0);
        _mm256_storeu_ps(output + index + 8, a1);
        _mm256_storeu_ps(output + index + 16, a2);
        _mm256_storeu_ps(output + index + 24, a3);
    }
    for (; index + 8 <= count; index += 8) {
        _mm256_storeu_ps(output + index, _mm256_add_ps(_mm256_loadu_ps(output + index), _mm256_mul_ps(s, _mm256_loadu_ps(row + index))));
    }
    for (; index < count; index++) output[index] += scale * row[index];
}

__attribute__((target("avx512f")))
void nc_scaled_row_add_avx512(float *output, const float *row, float scale, int64_t count) {
    const __m512 s = _mm512_set1_ps(scale);
    int64_t index = 0;
    for (; index + 64 <= count; index += 64) {
        __m512 a0 = _mm512_add_ps(_mm512_loadu_ps(output + index), _mm512_mul_ps(s, _mm512_loadu_ps(row + index)));
        __m512 a1 = _mm512_add_ps(_mm512_loadu_ps(output + index + 16), _mm512_mul_ps(s, _mm512_loadu_ps(row + index + 16)));
        __m512 a2 = _mm512_add_ps(_mm512_loadu_ps(output + index + 32), _mm512_mul_ps(s, _mm512_loadu_ps(row + index + 32)));
        __m512 a3 = _mm512_add_ps(_mm512_loadu_ps(output + index + 48), _mm512_mul_ps(s, _mm512_loadu_ps(row + index + 48)));
        _mm512_storeu_ps(output + index, a0);
        _mm512_storeu_ps(output + index + 16, a1);
        _mm512_storeu_ps(output + index + 32, a2);
        _mm512_storeu_ps(output + index + 48, a3);
    }
    for (; index + 16 <= count; index += 16) {
        _mm512_storeu_ps(output + index, _mm512_add_ps(_mm512_loadu_ps(output + index), _mm512_mul_ps(s, _mm512_loadu_ps(row + index))));
    }
    if (index < count) {  // the last 1-15 elements under a mask
        const __mmask16 tail = (__mmask16)((1u << (count - index)) - 1);
        __m512 o = _mm512_maskz_loadu_ps(tail, output + index), w = _mm512_maskz_loadu_ps(tail, row + index);
        _mm512_mask_storeu_ps(output + index, tail, _mm512_add_ps(o, _mm512_mul_ps(s, w)));
    }
}
#endif

#if defined(__aarch64__)
void nc_scaled_row_add_neon(float *output, const float *row, float scale, int64_t count) {
    const float32x4_t s = vdupq_n_f32(scale);
    int64_t index = 0;
    // vmulq then vaddq, never vfmaq: one rounding per operation, as in every other variant.
    for (; index + 4 <= count; index += 4) {
        vst1q_f32(output + index, vaddq_f32(vld1q_f32(output + index), vmulq_f32(s, vld1q_f32(row + index))));
    }
    for (; index < count; index++) output[index] += scale * row[index];
}
#endif
