#ifndef NEUROCOST_GROUP_LANES_H
#define NEUROCOST_GROUP_LANES_H

// A group accumulator's layout ([element][8 steps]) turned into per-step vectors: shared by the group drain
// (GroupScatterKernels.c) and the drain that steps an IF population (IntegrateAndFireKernels.c).

#if defined(__x86_64__)
#include <immintrin.h>

/// Elements block[0 ..< 8] of a group accumulator, 8 lanes each, transposed in registers: steps[g] holds step g of
/// the 8 elements, in element order.
__attribute__((target("avx2"), always_inline))
static inline void nc_group_lanes_transpose8(const float *block, __m256 steps[8]) {
    __m256 r0 = _mm256_loadu_ps(block), r1 = _mm256_loadu_ps(block + 8), r2 = _mm256_loadu_ps(block + 16),
           r3 = _mm256_loadu_ps(block + 24), r4 = _mm256_loadu_ps(block + 32), r5 = _mm256_loadu_ps(block + 40),
           r6 = _mm256_loadu_ps(block + 48), r7 = _mm256_loadu_ps(block + 56);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    steps[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    steps[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    steps[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    steps[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    steps[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    steps[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    steps[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    steps[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/// Restarts elements block[0 ..< 8] of a group accumulator: every lane of element i at bias[i] (0 without a bias).
__attribute__((target("avx2"), always_inline))
static inline void nc_group_lanes_restart8(float *block, const float *bias) {
    for (int lane = 0; lane < 8; lane++) _mm256_storeu_ps(block + 8 * lane, _mm256_set1_ps(bias ? bias[lane] : 0.0f));
}
#endif

#endif
