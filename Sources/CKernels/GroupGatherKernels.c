// A stride-1 sparse convolution over a group of up to 8 steps, gathered output by output: each output element of one
// output channel visits that channel's non-zero weights in ascending source order (input channel, kernel row,
// kernel column) and reads each source's 8-step activity byte from a zero-bordered plane of masks, adding the weight
// at the steps the source spiked in. The vector variants hold 8 or 16 neighbouring outputs of a row, one register per
// step, so the sums come out step-major (ready for the IF step) and nothing is read back from memory. Each sum
// receives the same terms in the same order as the step-by-step scatter of an ascending spike list (sources
// ascending), so the sums agree bit for bit. Compiled per instruction set; every variant leaves the
// inactive lanes untouched (no add of zero), so they agree bit for bit too.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Output `output` (at window origin `window`) alone, scalar: the reference every variant's whole registers match,
/// and the vector variants' tail of a row.
static inline void gather_one_output(float *sums, const uint8_t *window, const int32_t *deltas, const float *weights,
                                     int64_t entryCount, const float *bias, int64_t output, int64_t plane) {
    float lanes[8];
    const float start = bias ? bias[output] : 0.0f;
    for (int g = 0; g < 8; g++) lanes[g] = start;
    for (int64_t entry = 0; entry < entryCount; entry++) {
        const unsigned mask = window[deltas[entry]];
        const float w = weights[entry];
        for (int g = 0; g < 8; g++) {
            if (mask & (1u << g)) lanes[g] += w;
        }
    }
    for (int g = 0; g < 8; g++) sums[g * plane + output] = lanes[g];
}

void nc_group_gather_generic(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                             int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    for (int64_t y = 0; y < rows; y++) {
        for (int64_t x = 0; x < columns; x++) {
            gather_one_output(sums, masks + y * paddedWidth + x, deltas, weights, entryCount, bias, y * columns + x, plane);
        }
    }
}

#if defined(__x86_64__)
/// Eight neighbouring outputs per register, one register per step.
__attribute__((target("avx2")))
void nc_group_gather_avx2(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                          int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    for (int64_t y = 0; y < rows; y++) {
        const uint8_t *rowWindow = masks + y * paddedWidth;
        int64_t x = 0;
        for (; x + 8 <= columns; x += 8) {
            const int64_t output = y * columns + x;
            const uint8_t *window = rowWindow + x;
            const __m256 start = bias ? _mm256_loadu_ps(bias + output) : _mm256_setzero_ps();
            __m256 lanes[8];
            for (int g = 0; g < 8; g++) lanes[g] = start;
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(window + deltas[entry])));
                const __m256 w = _mm256_broadcast_ss(weights + entry);
                for (int g = 0; g < 8; g++) {
                    const __m256i bit = _mm256_set1_epi32(1 << g);
                    const __m256 active = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(bytes, bit), bit));
                    lanes[g] = _mm256_blendv_ps(lanes[g], _mm256_add_ps(lanes[g], w), active);
                }
            }
            for (int g = 0; g < 8; g++) _mm256_storeu_ps(sums + g * plane + output, lanes[g]);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_one_output(sums, rowWindow + x, deltas, weights, entryCount, bias, y * columns + x, plane);
        }
    }
}

/// AVX-512: sixteen neighbouring outputs per register, one register per step; each step's active outputs are an
/// opmask (a test of the widened activity bytes) of one merge-masked add of the broadcast weight.
__attribute__((target("avx2,avx512f")))
void nc_group_gather_avx512(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                            int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    for (int64_t y = 0; y < rows; y++) {
        const uint8_t *rowWindow = masks + y * paddedWidth;
        int64_t x = 0;
        for (; x + 16 <= columns; x += 16) {
            const int64_t output = y * columns + x;
            const uint8_t *window = rowWindow + x;
            const __m512 start = bias ? _mm512_loadu_ps(bias + output) : _mm512_setzero_ps();
            __m512 l0 = start, l1 = start, l2 = start, l3 = start, l4 = start, l5 = start, l6 = start, l7 = start;
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(window + deltas[entry])));
                const __m512 w = _mm512_set1_ps(weights[entry]);
                l0 = _mm512_mask_add_ps(l0, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(1)), l0, w);
                l1 = _mm512_mask_add_ps(l1, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(2)), l1, w);
                l2 = _mm512_mask_add_ps(l2, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(4)), l2, w);
                l3 = _mm512_mask_add_ps(l3, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(8)), l3, w);
                l4 = _mm512_mask_add_ps(l4, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(16)), l4, w);
                l5 = _mm512_mask_add_ps(l5, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(32)), l5, w);
                l6 = _mm512_mask_add_ps(l6, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(64)), l6, w);
                l7 = _mm512_mask_add_ps(l7, _mm512_test_epi32_mask(bytes, _mm512_set1_epi32(128)), l7, w);
            }
            float *out = sums + output;
            _mm512_storeu_ps(out, l0);
            _mm512_storeu_ps(out + plane, l1);
            _mm512_storeu_ps(out + 2 * plane, l2);
            _mm512_storeu_ps(out + 3 * plane, l3);
            _mm512_storeu_ps(out + 4 * plane, l4);
            _mm512_storeu_ps(out + 5 * plane, l5);
            _mm512_storeu_ps(out + 6 * plane, l6);
            _mm512_storeu_ps(out + 7 * plane, l7);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_one_output(sums, rowWindow + x, deltas, weights, entryCount, bias, y * columns + x, plane);
        }
    }
}
#endif
