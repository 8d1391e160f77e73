// The plain integrate-and-fire step (v ← v + r·x, compare, reset, list the neurons that fire), compiled once per
// instruction set and chosen at run time: at 99% sparsity the neuron updates are a large share of the work, and at
// full vector width they are nearly free. Every variant does the same operations per neuron in the same order (one
// multiply, one add, the comparison, then the reset; contraction off), so all give bit-identical potentials and the
// same ascending spike lists.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"
#include "GroupLanes.h"
#include "IntegrateAndFireNeuron.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

static inline int if_neuron(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t index,
                            int32_t *spikes, int64_t *listed) {
    return if_neuron_driven(p, v, x[index], index, spikes, listed);
}

int64_t nc_integrate_and_fire_generic(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t count,
                                      int32_t *spikes, int64_t *activeUpdates) {
    int64_t listed = 0, active = 0;
    for (int64_t index = 0; index < count; index++) active += if_neuron(p, v, x, index, spikes, &listed);
    *activeUpdates = active;
    return listed;
}

#if defined(__x86_64__)
/// Row m: the positions of the bits set in the 8-bit mask m, ascending (AVX2 has no compress instruction).
static int32_t compaction8[256][8];
static int compaction8_ready = 0;

static void prepare_compaction8(void) {
    if (__atomic_load_n(&compaction8_ready, __ATOMIC_ACQUIRE)) return;
    for (int mask = 0; mask < 256; mask++) {
        int listed = 0;
        for (int lane = 0; lane < 8; lane++) {
            if (mask & (1 << lane)) compaction8[mask][listed++] = lane;
        }
        for (; listed < 8; listed++) compaction8[mask][listed] = 0;
    }
    __atomic_store_n(&compaction8_ready, 1, __ATOMIC_RELEASE);
}

__attribute__((target("avx2,popcnt")))
int64_t nc_integrate_and_fire_avx2(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t count,
                                   int32_t *spikes, int64_t *activeUpdates) {
    prepare_compaction8();
    const int predicate = p->strict ? _CMP_GT_OQ : _CMP_GE_OQ;
    const __m256 sharedTheta = _mm256_set1_ps(p->sharedThreshold), sharedReset = _mm256_set1_ps(p->sharedReset);
    const __m256 zero = _mm256_setzero_ps();
    int64_t listed = 0, active = 0, index = 0;
    for (; index + 8 <= count; index += 8) {
        __m256 drive = _mm256_loadu_ps(x + index);
        __m256 potential = _mm256_loadu_ps(v + index);
        potential = p->gain ? _mm256_add_ps(potential, _mm256_mul_ps(_mm256_loadu_ps(p->gain + index), drive))
                            : _mm256_add_ps(potential, drive);
        __m256 theta = p->threshold ? _mm256_loadu_ps(p->threshold + index) : sharedTheta;
        __m256 fires = predicate == _CMP_GT_OQ ? _mm256_cmp_ps(potential, theta, _CMP_GT_OQ)
                                               : _mm256_cmp_ps(potential, theta, _CMP_GE_OQ);
        active += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(drive, zero, _CMP_NEQ_UQ)));
        int mask = _mm256_movemask_ps(fires);
        if (mask) {
            __m256 after = p->subtract ? _mm256_sub_ps(potential, theta)
                                       : (p->resetValue ? _mm256_loadu_ps(p->resetValue + index) : sharedReset);
            potential = _mm256_blendv_ps(potential, after, fires);
            __m256i lanes = _mm256_loadu_si256((const __m256i *)compaction8[mask]);
            _mm256_storeu_si256((__m256i *)(spikes + listed), _mm256_add_epi32(lanes, _mm256_set1_epi32((int32_t)index)));
            listed += __builtin_popcount((unsigned)mask);
        }
        _mm256_storeu_ps(v + index, potential);
    }
    for (; index < count; index++) active += if_neuron(p, v, x, index, spikes, &listed);
    *activeUpdates = active;
    return listed;
}

__attribute__((target("avx512f,popcnt")))
int64_t nc_integrate_and_fire_avx512(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t count,
                                     int32_t *spikes, int64_t *activeUpdates) {
    const __m512 sharedTheta = _mm512_set1_ps(p->sharedThreshold), sharedReset = _mm512_set1_ps(p->sharedReset);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    int64_t listed = 0, active = 0, index = 0;
    for (; index + 16 <= count; index += 16) {
        __m512 drive = _mm512_loadu_ps(x + index);
        __m512 potential = _mm512_loadu_ps(v + index);
        potential = p->gain ? _mm512_add_ps(potential, _mm512_mul_ps(_mm512_loadu_ps(p->gain + index), drive))
                            : _mm512_add_ps(potential, drive);
        __m512 theta = p->threshold ? _mm512_loadu_ps(p->threshold + index) : sharedTheta;
        __mmask16 fires = p->strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                    : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
        active += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ));
        if (fires) {
            __m512 after = p->subtract ? _mm512_sub_ps(potential, theta)
                                       : (p->resetValue ? _mm512_loadu_ps(p->resetValue + index) : sharedReset);
            potential = _mm512_mask_blend_ps(fires, potential, after);
            // Compressed in a register, then stored whole (a compressing store to memory is microcoded on some CPUs).
            __m512i lanes = _mm512_maskz_compress_epi32(fires, _mm512_add_epi32(laneNumbers, _mm512_set1_epi32((int32_t)index)));
            _mm512_storeu_si512((void *)(spikes + listed), lanes);
            listed += __builtin_popcount((unsigned)fires);
        }
        _mm512_storeu_ps(v + index, potential);
    }
    for (; index < count; index++) active += if_neuron(p, v, x, index, spikes, &listed);
    *activeUpdates = active;
    return listed;
}
#endif

#if defined(__aarch64__)
int64_t nc_integrate_and_fire_neon(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t count,
                                   int32_t *spikes, int64_t *activeUpdates) {
    const float32x4_t sharedTheta = vdupq_n_f32(p->sharedThreshold), sharedReset = vdupq_n_f32(p->sharedReset);
    int64_t listed = 0, active = 0, index = 0;
    for (; index + 4 <= count; index += 4) {
        float32x4_t drive = vld1q_f32(x + index);
        float32x4_t potential = vld1q_f32(v + index);
        // vmulq then vaddq, never vfmaq: one rounding per operation, as in every other variant.
        potential = p->gain ? vaddq_f32(potential, vmulq_f32(vld1q_f32(p->gain + index), drive)) : vaddq_f32(potential, drive);
        float32x4_t theta = p->threshold ? vld1q_f32(p->threshold + index) : sharedTheta;
        uint32x4_t fires = p->strict ? vcgtq_f32(potential, theta) : vcgeq_f32(potential, theta);
        uint32x4_t nonzero = vmvnq_u32(vceqq_f32(drive, vdupq_n_f32(0)));
        active += (int64_t)vaddvq_u32(vshrq_n_u32(nonzero, 31));
        if (vmaxvq_u32(fires)) {
            float32x4_t after = p->subtract ? vsubq_f32(potential, theta)
                                            : (p->resetValue ? vld1q_f32(p->resetValue + index) : sharedReset);
            potential = vbslq_f32(fires, after, potential);
            for (int lane = 0; lane < 4; lane++) {
                if (vgetq_lane_u32(fires, 0)) spikes[listed++] = (int32_t)(index + lane);
                fires = vextq_u32(fires, fires, 1);
            }
        }
        vst1q_f32(v + index, potential);
    }
    for (; index < count; index++) active += if_neuron(p, v, x, index, spikes, &listed);
    *activeUpdates = active;
    return listed;
}
#endif

// The IF step fused into a group scatter's drain (see nc_group_drain_fire_kernel): each element's `steps` inputs are
// read from its accumulator lanes and the neuron is stepped through them in registers, so the per-step inputs are
// never written out and read back. Per neuron and step the operations are those of the kernels above, in the same
// order; each step's spikes are listed in ascending neuron order, as a step-by-step pass lists them.

/// Elements [element, count): the reference form, and the vector variants' tail.
static void group_drain_fire_from(int64_t element, float *accumulator, int64_t count, int64_t steps, const float *bias,
                                  const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                                  int64_t *listed, int64_t *active) {
    for (; element < count; element++) {
        float *lanes = accumulator + 8 * element;
        for (int64_t g = 0; g < steps; g++) active[g] += if_neuron_driven(p, v, lanes[g], element, spikes[g], &listed[g]);
        const float start = bias ? bias[element] : 0.0f;
        for (int lane = 0; lane < 8; lane++) lanes[lane] = start;
    }
}

void nc_group_drain_fire_generic(float *accumulator, int64_t count, int64_t steps, const float *bias,
                                 const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                                 int64_t *listed, int64_t *activeUpdates) {
    for (int64_t g = 0; g < steps; g++) listed[g] = activeUpdates[g] = 0;
    group_drain_fire_from(0, accumulator, count, steps, bias, p, v, spikes, listed, activeUpdates);
}

#if defined(__x86_64__)
/// One step of eight IF neurons driven by `drive`, the AVX2 step kernels' shared body: v ← v + r·x, fire, reset (as
/// `nc_integrate_and_fire_avx2`); firing lanes listed at `list + *listed` with their indices (`indices` + lane), and
/// the lanes with a drive other than zero counted in `*active`. Returns the potentials after the step.
__attribute__((target("avx2,popcnt"), always_inline))
static inline __m256 if8_step(const NCIntegrateAndFireParameters *p, __m256 potential, __m256 drive, __m256 gain,
                              __m256 theta, __m256 resetTo, __m256i indices, int32_t *list, int64_t *listed,
                              int64_t *active) {
    potential = p->gain ? _mm256_add_ps(potential, _mm256_mul_ps(gain, drive)) : _mm256_add_ps(potential, drive);
    const __m256 fires = p->strict ? _mm256_cmp_ps(potential, theta, _CMP_GT_OQ)
                                   : _mm256_cmp_ps(potential, theta, _CMP_GE_OQ);
    *active += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(drive, _mm256_setzero_ps(), _CMP_NEQ_UQ)));
    const int mask = _mm256_movemask_ps(fires);
    if (mask) {
        const __m256 after = p->subtract ? _mm256_sub_ps(potential, theta) : resetTo;
        potential = _mm256_blendv_ps(potential, after, fires);
        const __m256i lanes = _mm256_loadu_si256((const __m256i *)compaction8[mask]);
        _mm256_storeu_si256((__m256i *)(list + *listed), _mm256_add_epi32(lanes, indices));
        *listed += __builtin_popcount((unsigned)mask);
    }
    return potential;
}

/// Eight neurons at a time: their accumulator block transposed in registers (rows become steps), then stepped.
__attribute__((target("avx2,popcnt")))
void nc_group_drain_fire_avx2(float *accumulator, int64_t count, int64_t steps, const float *bias,
                              const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                              int64_t *listed, int64_t *activeUpdates) {
    prepare_compaction8();
    const __m256 sharedTheta = _mm256_set1_ps(p->sharedThreshold), sharedReset = _mm256_set1_ps(p->sharedReset);
    const __m256 zero = _mm256_setzero_ps();
    int64_t spikeCounts[8] = {0}, active[8] = {0};
    int64_t element = 0;
    for (; element + 8 <= count; element += 8) {
        float *block = accumulator + 8 * element;
        __m256 drives[8];
        nc_group_lanes_transpose8(block, drives);
        nc_group_lanes_restart8(block, bias ? bias + element : NULL);
        const __m256 gain = p->gain ? _mm256_loadu_ps(p->gain + element) : zero;
        const __m256 theta = p->threshold ? _mm256_loadu_ps(p->threshold + element) : sharedTheta;
        const __m256 resetTo = p->resetValue ? _mm256_loadu_ps(p->resetValue + element) : sharedReset;
        const __m256i indices = _mm256_set1_epi32((int32_t)element);
        __m256 potential = _mm256_loadu_ps(v + element);
        for (int64_t g = 0; g < steps; g++) {
            potential = if8_step(p, potential, drives[g], gain, theta, resetTo, indices, spikes[g], &spikeCounts[g], &active[g]);
        }
        _mm256_storeu_ps(v + element, potential);
    }
    for (int64_t g = 0; g < steps; g++) {
        listed[g] = spikeCounts[g];
        activeUpdates[g] = active[g];
    }
    group_drain_fire_from(element, accumulator, count, steps, bias, p, v, spikes, listed, activeUpdates);
}

/// Sixteen neurons at a time: two accumulator blocks transposed, joined into 512-bit steps, stepped, and each step's
/// firing lanes compressed in a register.
__attribute__((target("avx2,avx512f,popcnt")))
void nc_group_drain_fire_avx512(float *accumulator, int64_t count, int64_t steps, const float *bias,
                                const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                                int64_t *listed, int64_t *activeUpdates) {
    const __m512 sharedTheta = _mm512_set1_ps(p->sharedThreshold), sharedReset = _mm512_set1_ps(p->sharedReset);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    int64_t spikeCounts[8] = {0}, active[8] = {0};
    int64_t element = 0;
    for (; element + 16 <= count; element += 16) {
        float *block = accumulator + 8 * element;
        __m256 low[8], high[8];
        nc_group_lanes_transpose8(block, low);
        nc_group_lanes_transpose8(block + 64, high);
        nc_group_lanes_restart8(block, bias ? bias + element : NULL);
        nc_group_lanes_restart8(block + 64, bias ? bias + element + 8 : NULL);
        const __m512 gain = p->gain ? _mm512_loadu_ps(p->gain + element) : zero;
        const __m512 theta = p->threshold ? _mm512_loadu_ps(p->threshold + element) : sharedTheta;
        const __m512 resetTo = p->resetValue ? _mm512_loadu_ps(p->resetValue + element) : sharedReset;
        const __m512i indices = _mm512_add_epi32(laneNumbers, _mm512_set1_epi32((int32_t)element));
        __m512 potential = _mm512_loadu_ps(v + element);
        for (int64_t g = 0; g < steps; g++) {
            const __m512 drive = _mm512_castpd_ps(_mm512_insertf64x4(
                _mm512_castpd256_pd512(_mm256_castps_pd(low[g])), _mm256_castps_pd(high[g]), 1));
            potential = p->gain ? _mm512_add_ps(potential, _mm512_mul_ps(gain, drive)) : _mm512_add_ps(potential, drive);
            const __mmask16 fires = p->strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                              : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
            active[g] += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ));
            if (fires) {
                const __m512 after = p->subtract ? _mm512_sub_ps(potential, theta) : resetTo;
                potential = _mm512_mask_blend_ps(fires, potential, after);
                // Compressed in a register, then stored whole (a compressing store to memory is microcoded on some CPUs).
                _mm512_storeu_si512((void *)(spikes[g] + spikeCounts[g]), _mm512_maskz_compress_epi32(fires, indices));
                spikeCounts[g] += __builtin_popcount((unsigned)fires);
            }
        }
        _mm512_storeu_ps(v + element, potential);
    }
    for (int64_t g = 0; g < steps; g++) {
        listed[g] = spikeCounts[g];
        activeUpdates[g] = active[g];
    }
    group_drain_fire_from(element, accumulator, count, steps, bias, p, v, spikes, listed, activeUpdates);
}
#endif

// The IF step of a population fed straight from a dense convolution's channels-last output (see
// nc_integrate_and_fire_channels_last_kernel): the transpose to (C, H, W) and the IF pass over its result in one pass,
// so the transposed input is never written out and read back. Neuron c · positions + p takes x[p · channels + c];
// each neuron's operations are those of the kernels above, so potentials, spikes and counts are theirs bit for bit.

/// The reference form: channel by channel, position by position, so the neurons go in ascending order.
int64_t nc_integrate_and_fire_channels_last_generic(const NCIntegrateAndFireParameters *p, float *v, const float *x,
                                                    int64_t positions, int64_t channels, int32_t *spikes,
                                                    int64_t *activeUpdates, uint16_t *masks) {
    (void)masks;  // the reference form lists each neuron as it goes
    int64_t listed = 0, active = 0;
    for (int64_t channel = 0; channel < channels; channel++) {
        for (int64_t position = 0; position < positions; position++) {
            active += if_neuron_driven(p, v, x[position * channels + channel], channel * positions + position, spikes, &listed);
        }
    }
    *activeUpdates = active;
    return listed;
}

/// Channels in tiles of 16 and positions in blocks of 16 (the transpose's order, so each cache line of x is read
/// once into L1 and used for 16 channels). Within a tile the channels are interleaved, so each (channel, block)'s
/// firing lanes are kept as a 16-bit mask, and the tile's spikes are listed from the masks once it is done, channel
/// by channel and block by block: ascending, as the reference lists them. (Listing each channel's spikes in its own
/// region of the list and moving them down afterwards touched the whole list, 4 bytes per neuron, every step.)
enum { NCChannelsLastTile = 16 };

/// The tail positions [wholePositions, positions) of channels [channelStart, channelEnd), scalar, their firing bits
/// set in the last block's masks.
static inline int64_t channels_last_tail(const NCIntegrateAndFireParameters *p, float *v, const float *x, int64_t positions,
                                         int64_t channels, int64_t wholePositions, int64_t channelStart,
                                         int64_t channelEnd, uint16_t *masks, int64_t blocks) {
    int64_t active = 0;
    for (int64_t channel = channelStart; channel < channelEnd; channel++) {
        uint16_t mask = 0;
        for (int64_t position = wholePositions; position < positions; position++) {
            int32_t ignored[1];
            int64_t fired = 0;
            active += if_neuron_driven(p, v, x[position * channels + channel], channel * positions + position, ignored, &fired);
            mask |= (uint16_t)(fired << (position - wholePositions));
        }
        masks[(channel - channelStart) * blocks + blocks - 1] = mask;
    }
    return active;
}

#if defined(__x86_64__)
/// Sixteen positions of a channel by one load each (scalar, into a stack row: AVX2 gathers are slow on several
/// CPUs), then two 8-neuron steps as nc_integrate_and_fire_avx2 takes them.
__attribute__((target("avx2,popcnt")))
int64_t nc_integrate_and_fire_channels_last_avx2(const NCIntegrateAndFireParameters *p, float *v, const float *x,
                                                 int64_t positions, int64_t channels, int32_t *spikes,
                                                 int64_t *activeUpdates, uint16_t *masks) {
    const int64_t blocks = (positions + NCChannelsLastTile - 1) / NCChannelsLastTile;
    prepare_compaction8();
    const __m256 sharedTheta = _mm256_set1_ps(p->sharedThreshold), sharedReset = _mm256_set1_ps(p->sharedReset);
    const __m256 zero = _mm256_setzero_ps();
    const int64_t wholePositions = positions - positions % NCChannelsLastTile;
    int64_t listed = 0, active = 0;
    for (int64_t channelStart = 0; channelStart < channels; channelStart += NCChannelsLastTile) {
        const int64_t channelEnd = channelStart + NCChannelsLastTile < channels ? channelStart + NCChannelsLastTile : channels;
        for (int64_t positionStart = 0; positionStart < wholePositions; positionStart += NCChannelsLastTile) {
            const float *block = x + positionStart * channels;
            for (int64_t channel = channelStart; channel < channelEnd; channel++) {
                float row[NCChannelsLastTile];
                for (int k = 0; k < NCChannelsLastTile; k++) row[k] = block[k * channels + channel];
                unsigned blockMask = 0;
                for (int half = 0; half < 2; half++) {
                    const int64_t index = channel * positions + positionStart + 8 * half;
                    __m256 drive = _mm256_loadu_ps(row + 8 * half);
                    __m256 potential = _mm256_loadu_ps(v + index);
                    potential = p->gain ? _mm256_add_ps(potential, _mm256_mul_ps(_mm256_loadu_ps(p->gain + index), drive))
                                        : _mm256_add_ps(potential, drive);
                    __m256 theta = p->threshold ? _mm256_loadu_ps(p->threshold + index) : sharedTheta;
                    __m256 fires = p->strict ? _mm256_cmp_ps(potential, theta, _CMP_GT_OQ)
                                             : _mm256_cmp_ps(potential, theta, _CMP_GE_OQ);
                    active += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(drive, zero, _CMP_NEQ_UQ)));
                    int mask = _mm256_movemask_ps(fires);
                    if (mask) {
                        __m256 after = p->subtract ? _mm256_sub_ps(potential, theta)
                                                   : (p->resetValue ? _mm256_loadu_ps(p->resetValue + index) : sharedReset);
                        potential = _mm256_blendv_ps(potential, after, fires);
                        blockMask |= (unsigned)mask << (8 * half);
                    }
                    _mm256_storeu_ps(v + index, potential);
                }
                masks[(channel - channelStart) * blocks + positionStart / NCChannelsLastTile] = (uint16_t)blockMask;
            }
        }
        if (wholePositions < positions) {
            active += channels_last_tail(p, v, x, positions, channels, wholePositions, channelStart, channelEnd, masks, blocks);
        }
        for (int64_t channel = channelStart; channel < channelEnd; channel++) {
            const uint16_t *channelMasks = masks + (channel - channelStart) * blocks;
            for (int64_t b = 0; b < blocks; b++) {
                const unsigned mask = channelMasks[b];
                if (!mask) continue;
                for (int half = 0; half < 2; half++) {
                    const unsigned byte = (mask >> (8 * half)) & 0xFF;
                    const int32_t first = (int32_t)(channel * positions + b * NCChannelsLastTile + 8 * half);
                    const __m256i lanes = _mm256_loadu_si256((const __m256i *)compaction8[byte]);
                    _mm256_storeu_si256((__m256i *)(spikes + listed), _mm256_add_epi32(lanes, _mm256_set1_epi32(first)));
                    listed += __builtin_popcount(byte);
                }
            }
        }
    }
    *activeUpdates = active;
    return listed;
}

/// rows[p] (16 channels of position p) → columns[c] (16 positions of channel c), in registers: 64 shuffles per
/// 16 × 16 block (as fast here as a gather per column, with no 32-bit offset limit and no dependence on gather speed,
/// which microcode mitigations have slowed on several CPUs).
__attribute__((target("avx512f")))
static inline void channels_last_transpose16(const __m512 rows[16], __m512 columns[16]) {
    __m512 a[16], b[16];
    for (int i = 0; i < 8; i++) {  // lane k: positions 2i, 2i + 1 of channels 4k, 4k + 1 (lo) or 4k + 2, 4k + 3 (hi)
        a[2 * i] = _mm512_unpacklo_ps(rows[2 * i], rows[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(rows[2 * i], rows[2 * i + 1]);
    }
    for (int q = 0; q < 4; q++) {  // b[4q + j], lane k: positions 4q ..< 4q + 4 of channel 4k + j
        const __m512d x0 = _mm512_castps_pd(a[4 * q]), x1 = _mm512_castps_pd(a[4 * q + 1]);
        const __m512d y0 = _mm512_castps_pd(a[4 * q + 2]), y1 = _mm512_castps_pd(a[4 * q + 3]);
        b[4 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(x0, y0));
        b[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(x0, y0));
        b[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(x1, y1));
        b[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(x1, y1));
    }
    for (int j = 0; j < 4; j++) {  // channel 4k + j: lane k of b[j], b[4 + j], b[8 + j], b[12 + j]
        const __m512 e0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x44), e1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xEE);
        const __m512 f0 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x44), f1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xEE);
        columns[j] = _mm512_shuffle_f32x4(e0, f0, 0x88);
        columns[4 + j] = _mm512_shuffle_f32x4(e0, f0, 0xDD);
        columns[8 + j] = _mm512_shuffle_f32x4(e1, f1, 0x88);
        columns[12 + j] = _mm512_shuffle_f32x4(e1, f1, 0xDD);
    }
}

/// Sixteen positions × sixteen channels loaded as rows (masked past the last channel) and transposed in registers,
/// each channel's sixteen positions stepped as nc_integrate_and_fire_avx512 steps sixteen neurons.
__attribute__((target("avx512f,popcnt")))
int64_t nc_integrate_and_fire_channels_last_avx512(const NCIntegrateAndFireParameters *p, float *v, const float *x,
                                                   int64_t positions, int64_t channels, int32_t *spikes,
                                                   int64_t *activeUpdates, uint16_t *masks) {
    const int64_t blocks = (positions + NCChannelsLastTile - 1) / NCChannelsLastTile;
    const __m512 sharedTheta = _mm512_set1_ps(p->sharedThreshold), sharedReset = _mm512_set1_ps(p->sharedReset);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const float *gain = p->gain, *threshold = p->threshold, *resetValue = p->resetValue;
    const int strict = p->strict, subtract = p->subtract;
    const int64_t wholePositions = positions - positions % NCChannelsLastTile;
    int64_t listed = 0, active = 0;
    for (int64_t channelStart = 0; channelStart < channels; channelStart += NCChannelsLastTile) {
        const int64_t channelEnd = channelStart + NCChannelsLastTile < channels ? channelStart + NCChannelsLastTile : channels;
        const __mmask16 tileChannels = (__mmask16)((1u << (channelEnd - channelStart)) - 1);
        for (int64_t positionStart = 0; positionStart < wholePositions; positionStart += NCChannelsLastTile) {
            const float *block = x + positionStart * channels + channelStart;
            __m512 rows[NCChannelsLastTile], drives[NCChannelsLastTile];
            for (int k = 0; k < NCChannelsLastTile; k++) rows[k] = _mm512_maskz_loadu_ps(tileChannels, block + k * channels);
            channels_last_transpose16(rows, drives);
            for (int64_t channel = channelStart; channel < channelEnd; channel++) {
                const int64_t index = channel * positions + positionStart;
                const __m512 drive = drives[channel - channelStart];
                __m512 potential = _mm512_loadu_ps(v + index);
                potential = gain ? _mm512_add_ps(potential, _mm512_mul_ps(_mm512_loadu_ps(gain + index), drive))
                                 : _mm512_add_ps(potential, drive);
                __m512 theta = threshold ? _mm512_loadu_ps(threshold + index) : sharedTheta;
                __mmask16 fires = strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                         : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
                active += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ));
                if (fires) {
                    __m512 after = subtract ? _mm512_sub_ps(potential, theta)
                                            : (resetValue ? _mm512_loadu_ps(resetValue + index) : sharedReset);
                    potential = _mm512_mask_blend_ps(fires, potential, after);
                }
                _mm512_storeu_ps(v + index, potential);
                masks[(channel - channelStart) * blocks + positionStart / NCChannelsLastTile] = (uint16_t)fires;
            }
        }
        if (wholePositions < positions) {
            active += channels_last_tail(p, v, x, positions, channels, wholePositions, channelStart, channelEnd, masks, blocks);
        }
        for (int64_t channel = channelStart; channel < channelEnd; channel++) {
            const uint16_t *channelMasks = masks + (channel - channelStart) * blocks;
            for (int64_t b = 0; b < blocks; b++) {
                const __mmask16 mask = channelMasks[b];
                if (!mask) continue;
                // Compressed in a register, then stored whole (a compressing store to memory is microcoded on some CPUs).
                const __m512i indices = _mm512_add_epi32(laneNumbers, _mm512_set1_epi32((int32_t)(channel * positions + b * NCChannelsLastTile)));
                _mm512_storeu_si512((void *)(spikes + listed), _mm512_maskz_compress_epi32(mask, indices));
                listed += __builtin_popcount((unsigned)mask);
            }
        }
    }
    *activeUpdates = active;
    return listed;
}
#endif

#if defined(__x86_64__)
// The IF group drain of nc_group_drain_fire_avx512 for whole groups of 8 steps, where the drain's fixed costs show:
// the 16 × 8 block of each 16 neurons is transposed with 24 two-source 512-bit permutes (three rounds of even/odd
// lane selection, each swapping one bit of the register number with one of the lane number) instead of 48 256-bit
// shuffles and 8 inserts, the step loop has a constant trip count (each step's counts stay in registers), and the
// parameters' flags are resolved once per call (one specialised body per combination). Per neuron and step the same
// operations in the same order as every other variant, so potentials, lists and counts are bit-identical.
__attribute__((target("avx2,avx512f,popcnt"), always_inline))
static inline void group_drain_fire_whole_blocks(float *accumulator, int64_t blocks, const float *bias,
                                                 const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                                                 int64_t *listed, int64_t *activeUpdates, const int hasGain,
                                                 const int strict, const int subtract) {
    const __m512i evenLanes = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i oddLanes = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512 sharedTheta = _mm512_set1_ps(p->sharedThreshold), sharedReset = _mm512_set1_ps(p->sharedReset);
    const __m512 zero = _mm512_setzero_ps();
    int64_t spikeCounts[8] = {0}, active[8] = {0};
    for (int64_t block = 0; block < blocks; block++) {
        const int64_t element = 16 * block;
        float *rows = accumulator + 8 * element;
        // rows[k] holds neurons 2k and 2k + 1, 8 steps each; after the three rounds, rows[g] holds step g of the 16.
        __m512 r[8];
#pragma clang loop unroll(full)
        for (int k = 0; k < 8; k++) r[k] = _mm512_loadu_ps(rows + 16 * k);
#pragma clang loop unroll(full)
        for (int bit = 1; bit < 8; bit <<= 1) {
#pragma clang loop unroll(full)
            for (int a = 0; a < 8; a++) {
                if (a & bit) continue;
                const __m512 low = _mm512_permutex2var_ps(r[a], evenLanes, r[a | bit]);
                r[a | bit] = _mm512_permutex2var_ps(r[a], oddLanes, r[a | bit]);
                r[a] = low;
            }
        }
        nc_group_lanes_restart8(rows, bias ? bias + element : NULL);
        nc_group_lanes_restart8(rows + 64, bias ? bias + element + 8 : NULL);
        const __m512 gain = hasGain ? _mm512_loadu_ps(p->gain + element) : zero;
        const __m512 theta = p->threshold ? _mm512_loadu_ps(p->threshold + element) : sharedTheta;
        const __m512 resetTo = p->resetValue ? _mm512_loadu_ps(p->resetValue + element) : sharedReset;
        const __m512i indices = _mm512_add_epi32(laneNumbers, _mm512_set1_epi32((int32_t)element));
        __m512 potential = _mm512_loadu_ps(v + element);
        // Unrolled, and without a branch on whether any of the 16 fires (taken about as often as not: it
        // mispredicted): a block where none fires stores an empty compress that the next one overwrites.
#pragma clang loop unroll(full)
        for (int g = 0; g < 8; g++) {
            const __m512 drive = r[g];
            potential = hasGain ? _mm512_add_ps(potential, _mm512_mul_ps(gain, drive)) : _mm512_add_ps(potential, drive);
            const __mmask16 fires = strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                           : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
            active[g] += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ));
            const __m512 after = subtract ? _mm512_sub_ps(potential, theta) : resetTo;
            potential = _mm512_mask_blend_ps(fires, potential, after);
            _mm512_storeu_si512((void *)(spikes[g] + spikeCounts[g]), _mm512_maskz_compress_epi32(fires, indices));
            spikeCounts[g] += __builtin_popcount((unsigned)fires);
        }
        _mm512_storeu_ps(v + element, potential);
    }
    for (int g = 0; g < 8; g++) {
        listed[g] = spikeCounts[g];
        activeUpdates[g] = active[g];
    }
}

__attribute__((target("avx2,avx512f,popcnt")))
void nc_group_drain_fire_whole_avx512(float *accumulator, int64_t count, int64_t steps, const float *bias,
                                      const NCIntegrateAndFireParameters *p, float *v, int32_t *const *spikes,
                                      int64_t *listed, int64_t *activeUpdates) {
    if (steps != 8) {  // a sample's last, partial group
        nc_group_drain_fire_avx512(accumulator, count, steps, bias, p, v, spikes, listed, activeUpdates);
        return;
    }
    const int64_t blocks = count / 16;
    const int hasGain = p->gain != NULL, strict = p->strict != 0, subtract = p->subtract != 0;
#define NC_WHOLE_BLOCKS(G, S, R) \
    group_drain_fire_whole_blocks(accumulator, blocks, bias, p, v, spikes, listed, activeUpdates, G, S, R)
    switch (hasGain * 4 + strict * 2 + subtract) {
    case 0: NC_WHOLE_BLOCKS(0, 0, 0); break;
    case 1: NC_WHOLE_BLOCKS(0, 0, 1); break;
    case 2: NC_WHOLE_BLOCKS(0, 1, 0); break;
    case 3: NC_WHOLE_BLOCKS(0, 1, 1); break;
    case 4: NC_WHOLE_BLOCKS(1, 0, 0); break;
    case 5: NC_WHOLE_BLOCKS(1, 0, 1); break;
    case 6: NC_WHOLE_BLOCKS(1, 1, 0); break;
    default: NC_WHOLE_BLOCKS(1, 1, 1); break;
    }
#undef NC_WHOLE_BLOCKS
    group_drain_fire_from(16 * blocks, accumulator, count, steps, bias, p, v, spikes, listed, activeUpdates);
}
#endif

// The IF step over a group of steps whose inputs are arrays of their own (`inputs[g]`, the same array for an input
// that is constant over a sample): each block of neurons' potentials is loaded once, stepped through the steps in a
// register and stored once, instead of being read and written once per step. Per neuron and step the operations are
// those of the kernels above, in the same order; each step's spikes are listed in ascending neuron order.

/// Neurons [index, count): the reference form, and the vector variants' tail.
static void integrate_and_fire_steps_from(int64_t index, const NCIntegrateAndFireParameters *p, float *v,
                                          const float *const *inputs, int64_t count, int64_t steps, int32_t *const *spikes,
                                          int64_t *listed, int64_t *active) {
    for (; index < count; index++) {
        for (int64_t g = 0; g < steps; g++) active[g] += if_neuron_driven(p, v, inputs[g][index], index, spikes[g], &listed[g]);
    }
}

void nc_integrate_and_fire_steps_generic(const NCIntegrateAndFireParameters *p, float *v, const float *const *inputs,
                                         int64_t count, int64_t steps, int32_t *const *spikes, int64_t *listed,
                                         int64_t *activeUpdates) {
    for (int64_t g = 0; g < steps; g++) listed[g] = activeUpdates[g] = 0;
    integrate_and_fire_steps_from(0, p, v, inputs, count, steps, spikes, listed, activeUpdates);
}

#if defined(__x86_64__)
/// Eight neurons at a time, each step's firing lanes listed through the compaction table.
__attribute__((target("avx2,popcnt")))
void nc_integrate_and_fire_steps_avx2(const NCIntegrateAndFireParameters *p, float *v, const float *const *inputs,
                                      int64_t count, int64_t steps, int32_t *const *spikes, int64_t *listed,
                                      int64_t *activeUpdates) {
    prepare_compaction8();
    const __m256 sharedTheta = _mm256_set1_ps(p->sharedThreshold), sharedReset = _mm256_set1_ps(p->sharedReset);
    const __m256 zero = _mm256_setzero_ps();
    int64_t spikeCounts[8] = {0}, active[8] = {0};
    int64_t index = 0;
    for (; index + 8 <= count; index += 8) {
        const __m256 gain = p->gain ? _mm256_loadu_ps(p->gain + index) : zero;
        const __m256 theta = p->threshold ? _mm256_loadu_ps(p->threshold + index) : sharedTheta;
        const __m256 resetTo = p->resetValue ? _mm256_loadu_ps(p->resetValue + index) : sharedReset;
        const __m256i indices = _mm256_set1_epi32((int32_t)index);
        __m256 potential = _mm256_loadu_ps(v + index);
        for (int64_t g = 0; g < steps; g++) {
            potential = if8_step(p, potential, _mm256_loadu_ps(inputs[g] + index), gain, theta, resetTo, indices, spikes[g],
                                 &spikeCounts[g], &active[g]);
        }
        _mm256_storeu_ps(v + index, potential);
    }
    for (int64_t g = 0; g < steps; g++) {
        listed[g] = spikeCounts[g];
        activeUpdates[g] = active[g];
    }
    integrate_and_fire_steps_from(index, p, v, inputs, count, steps, spikes, listed, activeUpdates);
}

/// Sixteen neurons at a time. `steps`, the flags and `sharedInput` (every step's input the same array) are constants
/// where the caller passes them: for whole groups one body per combination, the step loop unrolled, no per-step branch
/// on the parameters, and for a shared input the drive loaded and its active lanes counted once per block (the count
/// is then the same at every step). The parameters and list pointers are read from locals: each compressed spike
/// store may alias anything, and values read through the caller's pointers would be reloaded after it. Each step's
/// firing lanes are compressed in a register and stored whole without a branch (a block where none fires stores an
/// empty compress that the next overwrites), as in the whole-group drain.
__attribute__((target("avx512f,popcnt"), always_inline))
static inline void integrate_and_fire_steps_blocks(const NCIntegrateAndFireParameters parameters, float *v,
                                                   const float *const *inputs, int64_t blocks, const int64_t steps,
                                                   const int hasGain, const int strict, const int subtract,
                                                   const int sharedInput, int32_t *const *spikes, int64_t *listed,
                                                   int64_t *activeUpdates) {
    const NCIntegrateAndFireParameters *p = &parameters;
    const __m512 sharedTheta = _mm512_set1_ps(p->sharedThreshold), sharedReset = _mm512_set1_ps(p->sharedReset);
    const __m512 zero = _mm512_setzero_ps();
    const __m512i laneNumbers = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const float *input[8];
    int32_t *cursor[8];
    int64_t active[8] = {0}, activeShared = 0;
    for (int64_t g = 0; g < steps; g++) {
        input[g] = inputs[g];
        cursor[g] = spikes[g];
    }
    for (int64_t block = 0; block < blocks; block++) {
        const int64_t index = 16 * block;
        const __m512 gain = hasGain ? _mm512_loadu_ps(p->gain + index) : zero;
        const __m512 theta = p->threshold ? _mm512_loadu_ps(p->threshold + index) : sharedTheta;
        const __m512 resetTo = p->resetValue ? _mm512_loadu_ps(p->resetValue + index) : sharedReset;
        const __m512i indices = _mm512_add_epi32(laneNumbers, _mm512_set1_epi32((int32_t)index));
        const __m512 drive0 = _mm512_loadu_ps(input[0] + index);
        if (sharedInput) activeShared += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive0, zero, _CMP_NEQ_UQ));
        __m512 potential = _mm512_loadu_ps(v + index);
#pragma clang loop unroll(full)
        for (int g = 0; g < 8; g++) {
            if (g >= steps) break;
            const __m512 drive = sharedInput || g == 0 ? drive0 : _mm512_loadu_ps(input[g] + index);
            potential = hasGain ? _mm512_add_ps(potential, _mm512_mul_ps(gain, drive)) : _mm512_add_ps(potential, drive);
            const __mmask16 fires = strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                           : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
            if (!sharedInput) active[g] += __builtin_popcount((unsigned)_mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ));
            const __m512 after = subtract ? _mm512_sub_ps(potential, theta) : resetTo;
            potential = _mm512_mask_blend_ps(fires, potential, after);
            _mm512_storeu_si512((void *)cursor[g], _mm512_maskz_compress_epi32(fires, indices));
            cursor[g] += __builtin_popcount((unsigned)fires);
        }
        _mm512_storeu_ps(v + index, potential);
    }
    for (int64_t g = 0; g < steps; g++) {
        listed[g] = cursor[g] - spikes[g];
        activeUpdates[g] = sharedInput ? activeShared : active[g];
    }
}

__attribute__((target("avx512f,popcnt")))
void nc_integrate_and_fire_steps_avx512(const NCIntegrateAndFireParameters *p, float *v, const float *const *inputs,
                                        int64_t count, int64_t steps, int32_t *const *spikes, int64_t *listed,
                                        int64_t *activeUpdates) {
    const int64_t blocks = count / 16;
    int sharedInput = 1;
    for (int64_t g = 1; g < steps; g++) sharedInput = sharedInput && inputs[g] == inputs[0];
    const int hasGain = p->gain != NULL, strict = p->strict != 0, subtract = p->subtract != 0;
    if (steps != 8) {  // a sample's last, partial group
        integrate_and_fire_steps_blocks(*p, v, inputs, blocks, steps, hasGain, strict, subtract, sharedInput, spikes,
                                        listed, activeUpdates);
    } else {
#define NC_STEPS_BLOCKS(G, S, R, I) \
    integrate_and_fire_steps_blocks(*p, v, inputs, blocks, 8, G, S, R, I, spikes, listed, activeUpdates)
#define NC_STEPS_BLOCKS_INPUT(G, S, R) \
    if (sharedInput) NC_STEPS_BLOCKS(G, S, R, 1); else NC_STEPS_BLOCKS(G, S, R, 0)
        switch (hasGain * 4 + strict * 2 + subtract) {
        case 0: NC_STEPS_BLOCKS_INPUT(0, 0, 0); break;
        case 1: NC_STEPS_BLOCKS_INPUT(0, 0, 1); break;
        case 2: NC_STEPS_BLOCKS_INPUT(0, 1, 0); break;
        case 3: NC_STEPS_BLOCKS_INPUT(0, 1, 1); break;
        case 4: NC_STEPS_BLOCKS_INPUT(1, 0, 0); break;
        case 5: NC_STEPS_BLOCKS_INPUT(1, 0, 1); break;
        case 6: NC_STEPS_BLOCKS_INPUT(1, 1, 0); break;
        default: NC_STEPS_BLOCKS_INPUT(1, 1, 1); break;
        }
#undef NC_STEPS_BLOCKS_INPUT
#undef NC_STEPS_BLOCKS
    }
    integrate_and_fire_steps_from(16 * blocks, p, v, inputs, count, steps, spikes, listed, activeUpdates);
}
#endif
