// A stride-1 sparse convolution over a group of up to 8 steps, gathered output by output: each output element of one
// output channel visits that channel's non-zero weights in ascending source order (input channel, kernel row,
// kernel column) and reads each source's 8-step activity byte from a zero-bordered plane of masks, adding the weight
// in the lanes of the steps the source spiked in. The sums live in one register per output; nothing is read back from
// memory. Each lane receives the same terms in the same order as the step-by-step scatter of an ascending spike
// list (sources ascending), so the sums agree bit for bit. Compiled per instruction set; every variant leaves the
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

void nc_group_gather_generic(float *accumulator, const uint8_t *masks, const int32_t *deltas, const float *weights,
                             int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    for (int64_t y = 0; y < rows; y++) {
        for (int64_t x = 0; x < columns; x++) {
            const int64_t output = y * columns + x;
            const uint8_t *window = masks + y * paddedWidth + x;
            float *lanes = accumulator + 8 * output;
            const float start = bias ? bias[output] : 0.0f;
            for (int lane = 0; lane < 8; lane++) lanes[lane] = start;
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const unsigned mask = window[deltas[entry]];
                const float w = weights[entry];
                for (int lane = 0; lane < 8; lane++) {
                    if (mask & (1u << lane)) lanes[lane] += w;
                }
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_group_gather_avx2(float *accumulator, const uint8_t *masks, const int32_t *deltas, const float *weights,
                          int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const __m256i bits = _mm256_set_epi32(128, 64, 32, 16, 8, 4, 2, 1);
    for (int64_t y = 0; y < rows; y++) {
        const uint8_t *rowWindow = masks + y * paddedWidth;
        for (int64_t x = 0; x < columns; x++) {
            const int64_t output = y * columns + x;
            const uint8_t *window = rowWindow + x;
            __m256 sum = _mm256_set1_ps(bias ? bias[output] : 0.0f);
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const __m256 active = _mm256_castsi256_ps(
                    _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(window[deltas[entry]]), bits), bits));
                const __m256 added = _mm256_add_ps(sum, _mm256_broadcast_ss(weights + entry));
                sum = _mm256_blendv_ps(sum, added, active);
            }
            _mm256_storeu_ps(accumulator + 8 * output, sum);
        }
    }
}

/// AVX-512 (with VL): the activity byte is the opmask of one merge-masked add of the broadcast weight.
__attribute__((target("avx2,avx512f,avx512vl")))
void nc_group_gather_avx512(float *accumulator, const uint8_t *masks, const int32_t *deltas, const float *weights,
                            int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    for (int64_t y = 0; y < rows; y++) {
        const uint8_t *rowWindow = masks + y * paddedWidth;
        float *rowLanes = accumulator + 8 * y * columns;
        const float *rowBias = bias ? bias + y * columns : NULL;
        int64_t x = 0;
        // Two outputs a turn: two independent chains of adds.
        for (; x + 1 < columns; x += 2) {
            const uint8_t *window = rowWindow + x;
            __m256 first = _mm256_set1_ps(rowBias ? rowBias[x] : 0.0f);
            __m256 second = _mm256_set1_ps(rowBias ? rowBias[x + 1] : 0.0f);
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const uint8_t *source = window + deltas[entry];
                const __m256 w = _mm256_set1_ps(weights[entry]);
                first = _mm256_mask_add_ps(first, (__mmask8)source[0], first, w);
                second = _mm256_mask_add_ps(second, (__mmask8)source[1], second, w);
            }
            _mm256_storeu_ps(rowLanes + 8 * x, first);
            _mm256_storeu_ps(rowLanes + 8 * (x + 1), second);
        }
        for (; x < columns; x++) {
            const uint8_t *window = rowWindow + x;
            __m256 sum = _mm256_set1_ps(rowBias ? rowBias[x] : 0.0f);
            for (int64_t entry = 0; entry < entryCount; entry++) {
                sum = _mm256_mask_add_ps(sum, (__mmask8)window[deltas[entry]], sum, _mm256_set1_ps(weights[entry]));
            }
            _mm256_storeu_ps(rowLanes + 8 * x, sum);
        }
    }
}
#endif
