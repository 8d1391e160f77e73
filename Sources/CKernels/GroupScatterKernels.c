// A sparse convolution's inputs over a group of up to 8 steps, scattered source by source: each listed input
// element walks its synapse list once for the whole group, adding value[g] · w to lane g of an accumulator laid out
// [output element][8 steps], in the lanes of the steps where the element was active. A neuron that fires k times in a
// group costs one pass over its synapses instead of k. Every lane still receives its terms in the order of the
// sources, then of the list: the order of the step-by-step scatter. Compiled per instruction set; all variants
// round each product, then the sum (contraction off), and leave inactive lanes untouched, so they agree bit for bit.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"
#include "GroupLanes.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

void nc_group_scatter_generic(float *accumulator, const NCGroupSource *sources, const float *values, int64_t sourceCount,
                              const int32_t *offsets, const float *weights) {
    static const float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (int64_t s = 0; s < sourceCount; s++) {
        const NCGroupSource source = sources[s];
        const float *value = values ? values + 8 * s : ones;
        for (int32_t entry = source.first; entry < source.end; entry++) {
            float *target = accumulator + 8 * ((int64_t)source.origin + offsets[entry]);
            const float w = weights[entry];
            for (int lane = 0; lane < 8; lane++) {
                if (source.mask & (1u << lane)) target[lane] += value[lane] * w;
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_group_scatter_avx2(float *accumulator, const NCGroupSource *sources, const float *values, int64_t sourceCount,
                           const int32_t *offsets, const float *weights) {
    const __m256i bits = _mm256_set_epi32(128, 64, 32, 16, 8, 4, 2, 1);
    if (!values) {  // unit values: 1 · w is w exactly, so the weight is added as it is
        for (int64_t s = 0; s < sourceCount; s++) {
            const NCGroupSource source = sources[s];
            const __m256 active = _mm256_castsi256_ps(
                _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int32_t)source.mask), bits), bits));
            for (int32_t entry = source.first; entry < source.end; entry++) {
                float *target = accumulator + 8 * ((int64_t)source.origin + offsets[entry]);
                const __m256 sum = _mm256_loadu_ps(target);
                const __m256 added = _mm256_add_ps(sum, _mm256_broadcast_ss(weights + entry));
                _mm256_storeu_ps(target, _mm256_blendv_ps(sum, added, active));
            }
        }
        return;
    }
    for (int64_t s = 0; s < sourceCount; s++) {
        const NCGroupSource source = sources[s];
        const __m256 value = _mm256_loadu_ps(values + 8 * s);
        // All-ones in the lanes of the active steps.
        const __m256 active = _mm256_castsi256_ps(
            _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int32_t)source.mask), bits), bits));
        for (int32_t entry = source.first; entry < source.end; entry++) {
            float *target = accumulator + 8 * ((int64_t)source.origin + offsets[entry]);
            const __m256 sum = _mm256_loadu_ps(target);
            const __m256 added = _mm256_add_ps(sum, _mm256_mul_ps(value, _mm256_broadcast_ss(weights + entry)));
            _mm256_storeu_ps(target, _mm256_blendv_ps(sum, added, active));
        }
    }
}
#endif

#if defined(__x86_64__)
/// AVX-512 (with VL): the same 256-bit rows, but the active steps are an opmask, so each synapse is a load, one
/// merge-masked add of the broadcast weight (embedded broadcast) and a store, instead of the AVX2 variant's add and
/// three-micro-op variable blend. Inactive lanes keep their value, as in every variant.
__attribute__((target("avx2,avx512f,avx512vl")))
void nc_group_scatter_avx512(float *accumulator, const NCGroupSource *sources, const float *values, int64_t sourceCount,
                             const int32_t *offsets, const float *weights) {
    if (!values) {  // unit values: 1 · w is w exactly, so the weight is added as it is
        for (int64_t s = 0; s < sourceCount; s++) {
            const NCGroupSource source = sources[s];
            const __mmask8 active = (__mmask8)source.mask;
            float *origin = accumulator + 8 * (int64_t)source.origin;
            for (int32_t entry = source.first; entry < source.end; entry++) {
                float *target = origin + 8 * (int64_t)offsets[entry];
                const __m256 sum = _mm256_loadu_ps(target);
                _mm256_storeu_ps(target, _mm256_mask_add_ps(sum, active, sum, _mm256_set1_ps(weights[entry])));
            }
        }
        return;
    }
    for (int64_t s = 0; s < sourceCount; s++) {
        const NCGroupSource source = sources[s];
        const __mmask8 active = (__mmask8)source.mask;
        const __m256 value = _mm256_loadu_ps(values + 8 * s);
        float *origin = accumulator + 8 * (int64_t)source.origin;
        for (int32_t entry = source.first; entry < source.end; entry++) {
            float *target = origin + 8 * (int64_t)offsets[entry];
            const __m256 sum = _mm256_loadu_ps(target);
            const __m256 product = _mm256_mul_ps(value, _mm256_set1_ps(weights[entry]));
            _mm256_storeu_ps(target, _mm256_mask_add_ps(sum, active, sum, product));
        }
    }
}
#endif

/// The reference form, and the vector variant's tail.
static void group_drain_from(int64_t element, float *accumulator, float *output, int64_t count, int64_t steps,
                             int64_t outputStride, const float *bias) {
    for (; element < count; element++) {
        float *lanes = accumulator + 8 * element;
        for (int64_t g = 0; g < steps; g++) output[g * outputStride + element] = lanes[g];
        const float start = bias ? bias[element] : 0.0f;
        for (int lane = 0; lane < 8; lane++) lanes[lane] = start;
    }
}

void nc_group_drain_generic(float *accumulator, float *output, int64_t count, int64_t steps, int64_t outputStride,
                            const float *bias) {
    group_drain_from(0, accumulator, output, count, steps, outputStride, bias);
}

#if defined(__x86_64__)
/// Eight elements at a time: their 8 × 8 block transposed in registers (rows become steps).
__attribute__((target("avx2")))
void nc_group_drain_avx2(float *accumulator, float *output, int64_t count, int64_t steps, int64_t outputStride,
                         const float *bias) {
    int64_t element = 0;
    for (; element + 8 <= count; element += 8) {
        float *block = accumulator + 8 * element;
        __m256 columns[8];
        nc_group_lanes_transpose8(block, columns);
        for (int64_t g = 0; g < steps; g++) _mm256_storeu_ps(output + g * outputStride + element, columns[g]);
        nc_group_lanes_restart8(block, bias ? bias + element : NULL);
    }
    group_drain_from(element, accumulator, output, count, steps, outputStride, bias);
}
#endif
