// A stride-1 sparse convolution over a group of up to 8 steps, gathered output by output: each output element of one
// output channel visits that channel's non-zero weights in ascending source order (input channel, kernel row,
// kernel column) and reads each source's 8-step activity byte from a zero-bordered plane of masks, adding the weight
// at the steps the source spiked in. The vector variants hold 8 or 16 neighbouring outputs of a row, one register per
// step, so the sums come out step-major (ready for the IF step) and nothing is read back from memory. Each sum
// receives the same terms in the same order as the step-by-step scatter of an ascending spike list (sources
// ascending), so the sums agree bit for bit. Compiled per instruction set; every variant leaves the
// inactive lanes untouched (no add of zero), so they agree bit for bit too.
//
// Each kernel has a firing form (nc_group_gather_fire_kernel, nc_group_gather_values_fire_kernel) that steps the IF
// population the convolution feeds with the sums while they are still in registers, instead of storing them for the
// IF kernel to read back once per step: the neurons' potentials are loaded once per block of outputs and stepped
// through the group's steps, each step's firing neurons appended to its list. Per neuron and step the operations are
// the IF kernel's, in the same order, and outputs go in ascending order, so potentials, lists and counts are those of
// the gather followed by the IF kernel. One body serves both forms (`firing` NULL: store the sums).
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"
#include "KernelDispatch.h"
#include "IntegrateAndFireNeuron.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// A firing gather's state while it runs: the population's view copied into locals (the kernels' vector stores may
/// alias anything, so values read through the caller's pointers would be reloaded after each), where each step's next
/// spike goes, and each step's active updates so far.
typedef struct {
    NCIntegrateAndFireParameters p;
    float *v;
    int64_t first, steps;
    int32_t *cursor[8];
    int64_t active[8];
} GatherFireState;

/// The IF variant a firing gather's body is compiled for: constants where the caller passes them (one specialised
/// body per combination for whole groups: no per-step branch on the parameters' flags), else the call's values.
typedef struct {
    int64_t steps;
    int hasGain, strict, subtract;
} GatherFireShape;

static inline void gather_fire_begin(const NCGatherFiring *firing, GatherFireState *state) {
    if (!firing) return;
    state->p = *firing->parameters;
    state->v = firing->v;
    state->first = firing->first;
    state->steps = firing->steps;
    for (int64_t g = 0; g < firing->steps; g++) {
        state->cursor[g] = firing->spikes[g] + firing->listed[g];
        state->active[g] = firing->activeUpdates[g];
    }
}

static inline void gather_fire_end(const NCGatherFiring *firing, const GatherFireState *state) {
    if (!firing) return;
    for (int64_t g = 0; g < firing->steps; g++) {
        firing->listed[g] = state->cursor[g] - firing->spikes[g];
        firing->activeUpdates[g] = state->active[g];
    }
}

/// The shape of a call whose variant is not specialised.
static inline GatherFireShape gather_fire_shape(const NCGatherFiring *firing) {
    const NCIntegrateAndFireParameters *p = firing->parameters;
    return (GatherFireShape){firing->steps, p->gain != NULL, p->strict != 0, p->subtract != 0};
}

/// Runs SPECIALISED(hasGain, strict, subtract) with constant flags for a whole group of 8 steps (one body per
/// combination, as the IF drain for whole groups has), else GENERAL (a sample's last, partial group).
#define NC_GATHER_FIRE_SPECIALISED(shape, SPECIALISED, GENERAL)                                                          \
    do {                                                                                                               \
        if ((shape).steps != 8) {                                                                                      \
            GENERAL;                                                                                                   \
            break;                                                                                                     \
        }                                                                                                              \
        switch ((shape).hasGain * 4 + (shape).strict * 2 + (shape).subtract) {                                       \
        case 0: SPECIALISED(0, 0, 0); break;                                                                           \
        case 1: SPECIALISED(0, 0, 1); break;                                                                           \
        case 2: SPECIALISED(0, 1, 0); break;                                                                           \
        case 3: SPECIALISED(0, 1, 1); break;                                                                           \
        case 4: SPECIALISED(1, 0, 0); break;                                                                           \
        case 5: SPECIALISED(1, 0, 1); break;                                                                           \
        case 6: SPECIALISED(1, 1, 0); break;                                                                           \
        default: SPECIALISED(1, 1, 1); break;                                                                          \
        }                                                                                                              \
    } while (0)

/// One output's 8 step sums: stored at sums (step g's at g · plane + output), or, firing, neuron first + output
/// stepped through them as the IF kernel's tail steps it.
static inline void gather_finish_one(float *sums, const NCGatherFiring *firing, GatherFireState *state,
                                     const float lanes[8], int64_t output, int64_t plane) {
    if (firing) {
        for (int64_t g = 0; g < state->steps; g++) {
            int64_t listed = 0;
            state->active[g] += if_neuron_driven(&state->p, state->v, lanes[g], state->first + output, state->cursor[g],
                                                 &listed);
            state->cursor[g] += listed;
        }
    } else {
        for (int g = 0; g < 8; g++) sums[g * plane + output] = lanes[g];
    }
}

#if defined(__x86_64__)
/// Eight neighbouring outputs' step sums (lanes[g]: step g), output `output` first: stored, or, firing, their neurons
/// stepped as nc_integrate_and_fire_avx2 steps eight neurons, step after step, the potentials held in a register.
__attribute__((target("avx2,popcnt"), always_inline))
static inline void gather_finish8(float *sums, const NCGatherFiring *firing, GatherFireState *state,
                                  const __m256 lanes[8], int64_t output, int64_t plane) {
    if (!firing) {
        for (int g = 0; g < 8; g++) _mm256_storeu_ps(sums + g * plane + output, lanes[g]);
        return;
    }
    const NCIntegrateAndFireParameters *p = &state->p;
    const int64_t index = state->first + output;
    const __m256 zero = _mm256_setzero_ps();
    const __m256 gain = p->gain ? _mm256_loadu_ps(p->gain + index) : zero;
    const __m256 theta = p->threshold ? _mm256_loadu_ps(p->threshold + index) : _mm256_set1_ps(p->sharedThreshold);
    const __m256 resetTo = p->resetValue ? _mm256_loadu_ps(p->resetValue + index) : _mm256_set1_ps(p->sharedReset);
    __m256 potential = _mm256_loadu_ps(state->v + index);
    for (int64_t g = 0; g < state->steps; g++) {
        const __m256 drive = lanes[g];
        potential = p->gain ? _mm256_add_ps(potential, _mm256_mul_ps(gain, drive)) : _mm256_add_ps(potential, drive);
        const __m256 fires = p->strict ? _mm256_cmp_ps(potential, theta, _CMP_GT_OQ)
                                       : _mm256_cmp_ps(potential, theta, _CMP_GE_OQ);
        state->active[g] += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(drive, zero, _CMP_NEQ_UQ)));
        unsigned mask = (unsigned)_mm256_movemask_ps(fires);
        if (mask) {
            const __m256 after = p->subtract ? _mm256_sub_ps(potential, theta) : resetTo;
            potential = _mm256_blendv_ps(potential, after, fires);
            int32_t *cursor = state->cursor[g];
            for (; mask; mask &= mask - 1) *cursor++ = (int32_t)(index + __builtin_ctz(mask));
            state->cursor[g] = cursor;
        }
    }
    _mm256_storeu_ps(state->v + index, potential);
}

/// Sixteen neighbouring outputs' step sums (l0 ... l7: steps 0 to 7), output `output` first: stored, or, firing, their
/// neurons stepped as nc_integrate_and_fire_avx512 steps sixteen, step after step, the potentials held in a register.
/// Each step's firing lanes are compressed in a register and stored whole without a branch (a block where none
/// fires stores an empty compress that the next overwrites), as in the IF drain for whole groups; each step's active
/// updates are counted per lane in activeLanes[g] (one masked subtract, not a mask move, a popcount and an add to
/// memory), summed once per call.
__attribute__((target("avx2,avx512f,popcnt"), always_inline))
static inline void gather_finish16(float *sums, const NCGatherFiring *firing, GatherFireState *state,
                                   __m512i activeLanes[8], const GatherFireShape shape, __m512 l0, __m512 l1, __m512 l2,
                                   __m512 l3, __m512 l4, __m512 l5, __m512 l6, __m512 l7, int64_t output, int64_t plane) {
    if (!firing) {
        float *out = sums + output;
        _mm512_storeu_ps(out, l0);
        _mm512_storeu_ps(out + plane, l1);
        _mm512_storeu_ps(out + 2 * plane, l2);
        _mm512_storeu_ps(out + 3 * plane, l3);
        _mm512_storeu_ps(out + 4 * plane, l4);
        _mm512_storeu_ps(out + 5 * plane, l5);
        _mm512_storeu_ps(out + 6 * plane, l6);
        _mm512_storeu_ps(out + 7 * plane, l7);
        return;
    }
    const NCIntegrateAndFireParameters *p = &state->p;
    const int64_t index = state->first + output;
    const __m512 zero = _mm512_setzero_ps();
    const __m512 gain = shape.hasGain ? _mm512_loadu_ps(p->gain + index) : zero;
    const __m512 theta = p->threshold ? _mm512_loadu_ps(p->threshold + index) : _mm512_set1_ps(p->sharedThreshold);
    const __m512 resetTo = p->resetValue ? _mm512_loadu_ps(p->resetValue + index) : _mm512_set1_ps(p->sharedReset);
    const __m512i indices = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                             _mm512_set1_epi32((int32_t)index));
    const __m512 lanes[8] = {l0, l1, l2, l3, l4, l5, l6, l7};
    __m512 potential = _mm512_loadu_ps(state->v + index);
#pragma clang loop unroll(full)
    for (int g = 0; g < 8; g++) {
        if (g >= shape.steps) break;
        const __m512 drive = lanes[g];
        potential = shape.hasGain ? _mm512_add_ps(potential, _mm512_mul_ps(gain, drive)) : _mm512_add_ps(potential, drive);
        const __mmask16 fires = shape.strict ? _mm512_cmp_ps_mask(potential, theta, _CMP_GT_OQ)
                                             : _mm512_cmp_ps_mask(potential, theta, _CMP_GE_OQ);
        activeLanes[g] = _mm512_mask_sub_epi32(activeLanes[g], _mm512_cmp_ps_mask(drive, zero, _CMP_NEQ_UQ), activeLanes[g],
                                               _mm512_set1_epi32(-1));
        const __m512 after = shape.subtract ? _mm512_sub_ps(potential, theta) : resetTo;
        potential = _mm512_mask_blend_ps(fires, potential, after);
        _mm512_storeu_si512((void *)state->cursor[g], _mm512_maskz_compress_epi32(fires, indices));
        state->cursor[g] += __builtin_popcount((unsigned)fires);
    }
    _mm512_storeu_ps(state->v + index, potential);
}
#endif

/// Output `output` (at window origin `window`) alone, scalar: the reference every variant's whole registers match,
/// and the vector variants' tail of a row.
static inline void gather_one_output(float *sums, const NCGatherFiring *firing, GatherFireState *state,
                                     const uint8_t *window, const int32_t *deltas, const float *weights,
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
    gather_finish_one(sums, firing, state, lanes, output, plane);
}

static inline void gather_generic(float *sums, const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                                  const float *weights, int64_t entryCount, const float *bias, int64_t rows,
                                  int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
    for (int64_t y = 0; y < rows; y++) {
        for (int64_t x = 0; x < columns; x++) {
            gather_one_output(sums, firing, &state, masks + y * paddedWidth + x, deltas, weights, entryCount, bias,
                              y * columns + x, plane);
        }
    }
    gather_fire_end(firing, &state);
}

void nc_group_gather_generic(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                             int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    gather_generic(sums, NULL, masks, deltas, weights, entryCount, bias, rows, columns, paddedWidth);
}

void nc_group_gather_fire_generic(const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                                  const float *weights, int64_t entryCount, const float *bias, int64_t rows,
                                  int64_t columns, int64_t paddedWidth) {
    gather_generic(NULL, firing, masks, deltas, weights, entryCount, bias, rows, columns, paddedWidth);
}

#if defined(__x86_64__)
/// Eight neighbouring outputs per register, one register per step.
__attribute__((target("avx2,popcnt"), always_inline))
static inline void gather_avx2(float *sums, const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                               const float *weights, int64_t entryCount, const float *bias, int64_t rows, int64_t columns,
                               int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
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
            gather_finish8(sums, firing, &state, lanes, output, plane);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_one_output(sums, firing, &state, rowWindow + x, deltas, weights, entryCount, bias, y * columns + x, plane);
        }
    }
    gather_fire_end(firing, &state);
}

__attribute__((target("avx2,popcnt")))
void nc_group_gather_avx2(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                          int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    gather_avx2(sums, NULL, masks, deltas, weights, entryCount, bias, rows, columns, paddedWidth);
}

__attribute__((target("avx2,popcnt")))
void nc_group_gather_fire_avx2(const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                               const float *weights, int64_t entryCount, const float *bias, int64_t rows, int64_t columns,
                               int64_t paddedWidth) {
    gather_avx2(NULL, firing, masks, deltas, weights, entryCount, bias, rows, columns, paddedWidth);
}

/// Step g's opmask of sixteen neighbouring sources: bit i set where activity byte i has bit g. One 128-bit byte test
/// (AVX-512BW with VL) instead of widening the bytes to a 512-bit register once per entry and testing 32-bit lanes
/// once per step: on a core that splits 512-bit operations in two (Zen 4) those nine wide operations per entry were
/// as many again as the eight adds. The same opmask, so the same additions.
__attribute__((target("avx2,avx512f,avx512bw,avx512vl"), always_inline))
static inline __mmask16 nc_step_mask16(__m128i bytes, int g) {
    return _mm_test_epi8_mask(bytes, _mm_set1_epi8((char)(1 << g)));
}

/// lane += w in the lanes of `active`, in place: one merge-masked add. Written as `_mm512_mask_add_ps(lane, active, lane,
/// w)`, clang (Swift 6's) compiled each of the gathers' eight per entry into an unmasked add and a masked move of the
/// old value back over the inactive lanes, plus seven register copies at the loop's end: 23 wide operations where 8
/// do (seen in the release binary's disassembly). The same addition in the same lanes, so the same sums.
__attribute__((target("avx2,avx512f"), always_inline))
static inline __m512 nc_masked_add_in_place(__m512 lane, __mmask16 active, __m512 w) {
    __asm__("vaddps %[w], %[lane], %[lane]%{%[active]%}" : [lane] "+v"(lane) : [w] "v"(w), [active] "Yk"(active));
    return lane;
}

/// AVX-512: sixteen neighbouring outputs per register, one register per step; each step's active outputs are an
/// opmask (a test of the activity bytes) of one merge-masked add of the broadcast weight.
__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt"), always_inline))
static inline void gather_avx512(float *sums, const NCGatherFiring *firing, const GatherFireShape shape,
                                 const uint8_t *masks, const int32_t *deltas, const float *weights, int64_t entryCount,
                                 const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
    __m512i activeLanes[8];
    for (int g = 0; g < 8; g++) activeLanes[g] = _mm512_setzero_si512();
    for (int64_t y = 0; y < rows; y++) {
        const uint8_t *rowWindow = masks + y * paddedWidth;
        int64_t x = 0;
        for (; x + 16 <= columns; x += 16) {
            const int64_t output = y * columns + x;
            const uint8_t *window = rowWindow + x;
            const __m512 start = bias ? _mm512_loadu_ps(bias + output) : _mm512_setzero_ps();
            __m512 l0 = start, l1 = start, l2 = start, l3 = start, l4 = start, l5 = start, l6 = start, l7 = start;
            for (int64_t entry = 0; entry < entryCount; entry++) {
                const __m128i bytes = _mm_loadu_si128((const __m128i *)(window + deltas[entry]));
                const __m512 w = _mm512_set1_ps(weights[entry]);
                l0 = nc_masked_add_in_place(l0, nc_step_mask16(bytes, 0), w);
                l1 = nc_masked_add_in_place(l1, nc_step_mask16(bytes, 1), w);
                l2 = nc_masked_add_in_place(l2, nc_step_mask16(bytes, 2), w);
                l3 = nc_masked_add_in_place(l3, nc_step_mask16(bytes, 3), w);
                l4 = nc_masked_add_in_place(l4, nc_step_mask16(bytes, 4), w);
                l5 = nc_masked_add_in_place(l5, nc_step_mask16(bytes, 5), w);
                l6 = nc_masked_add_in_place(l6, nc_step_mask16(bytes, 6), w);
                l7 = nc_masked_add_in_place(l7, nc_step_mask16(bytes, 7), w);
            }
            gather_finish16(sums, firing, &state, activeLanes, shape, l0, l1, l2, l3, l4, l5, l6, l7, output, plane);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_one_output(sums, firing, &state, rowWindow + x, deltas, weights, entryCount, bias, y * columns + x, plane);
        }
    }
    if (firing) {
        for (int64_t g = 0; g < state.steps; g++) state.active[g] += _mm512_reduce_add_epi32(activeLanes[g]);
    }
    gather_fire_end(firing, &state);
}

__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt")))
void nc_group_gather_avx512(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                            int64_t entryCount, const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    gather_avx512(sums, NULL, (GatherFireShape){0}, masks, deltas, weights, entryCount, bias, rows, columns, paddedWidth);
}

__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt")))
void nc_group_gather_fire_avx512(const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                                 const float *weights, int64_t entryCount, const float *bias, int64_t rows, int64_t columns,
                                 int64_t paddedWidth) {
    const GatherFireShape shape = gather_fire_shape(firing);
#define NC_GATHER_FIRE(G, S, R)                                                                                         \
    gather_avx512(NULL, firing, (GatherFireShape){8, G, S, R}, masks, deltas, weights, entryCount, bias, rows, columns, \
                  paddedWidth)
    NC_GATHER_FIRE_SPECIALISED(shape, NC_GATHER_FIRE,
                               gather_avx512(NULL, firing, shape, masks, deltas, weights, entryCount, bias, rows, columns,
                                             paddedWidth));
#undef NC_GATHER_FIRE
}
#endif

// ---------------------------------------------------------------------------------------------------------------------
// The same gather over per-step input values instead of unit spikes (a convolution fed through a pool: each input
// element's value at a step is the merged sum of the spikes that reach it). The step-by-step scatter adds an output's
// terms in the order its sources first arrived in the step, which for pooled inputs is not ascending within a row of
// the source planes: a pooled element first reached by the lower row of its pool window comes after the row's
// elements first reached by the upper row. The caller sorts each step's arrivals into passes (`passMasks`: pass p's
// plane has bit g set where the source arrived at step g in pass p) so that arrival order is (input channel and row,
// pass, column) ascending, and the kernel adds in that order: per block of entries sharing an input channel and
// kernel row, pass after pass, the block's entries in kernel-column order, each as value · weight at the steps its
// pass bit is set. Unset lanes are never added (their values may be stale).

/// One output alone, scalar: the reference every variant's whole registers match, and the vector variants' tail.
static inline void gather_values_one_output(float *sums, const NCGatherFiring *firing, GatherFireState *state,
                                            const float *values, int64_t valueStride, const uint8_t *passMasks,
                                            int64_t passStride, int64_t passes, const int32_t *deltas, const float *weights,
                                            const int32_t *blockLengths, int64_t blockCount, const float *bias,
                                            int64_t window, int64_t output, int64_t plane) {
    float lanes[8];
    const float start = bias ? bias[output] : 0.0f;
    for (int g = 0; g < 8; g++) lanes[g] = start;
    int64_t first = 0;
    for (int64_t block = 0; block < blockCount; block++) {
        const int64_t end = first + blockLengths[block];
        for (int64_t p = 0; p < passes; p++) {
            const uint8_t *masks = passMasks + p * passStride + window;
            for (int64_t entry = first; entry < end; entry++) {
                const unsigned mask = masks[deltas[entry]];
                const float w = weights[entry];
                const float *v = values + window + deltas[entry];
                for (int g = 0; g < 8; g++) {
                    if (mask & (1u << g)) lanes[g] += v[g * valueStride] * w;
                }
            }
        }
        first = end;
    }
    gather_finish_one(sums, firing, state, lanes, output, plane);
}

static inline void gather_values_generic(float *sums, const NCGatherFiring *firing, const float *values,
                                         int64_t valueStride, const uint8_t *passMasks, int64_t passStride, int64_t passes,
                                         const int32_t *deltas, const float *weights, const int32_t *blockLengths,
                                         int64_t blockCount, const float *bias, int64_t rows, int64_t columns,
                                         int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
    for (int64_t y = 0; y < rows; y++) {
        for (int64_t x = 0; x < columns; x++) {
            gather_values_one_output(sums, firing, &state, values, valueStride, passMasks, passStride, passes, deltas,
                                     weights, blockLengths, blockCount, bias, y * paddedWidth + x, y * columns + x, plane);
        }
    }
    gather_fire_end(firing, &state);
}

void nc_group_gather_values_generic(float *sums, const float *values, int64_t valueStride, const uint8_t *passMasks,
                                    int64_t passStride, int64_t passes, const int32_t *deltas, const float *weights,
                                    const int32_t *blockLengths, int64_t blockCount, const float *bias, int64_t rows,
                                    int64_t columns, int64_t paddedWidth) {
    gather_values_generic(sums, NULL, values, valueStride, passMasks, passStride, passes, deltas, weights, blockLengths,
                          blockCount, bias, rows, columns, paddedWidth);
}

void nc_group_gather_values_fire_generic(const NCGatherFiring *firing, const float *values, int64_t valueStride,
                                         const uint8_t *passMasks, int64_t passStride, int64_t passes,
                                         const int32_t *deltas, const float *weights, const int32_t *blockLengths,
                                         int64_t blockCount, const float *bias, int64_t rows, int64_t columns,
                                         int64_t paddedWidth) {
    gather_values_generic(NULL, firing, values, valueStride, passMasks, passStride, passes, deltas, weights, blockLengths,
                          blockCount, bias, rows, columns, paddedWidth);
}

#if defined(__x86_64__)
/// Eight neighbouring outputs per register, one register per step.
__attribute__((target("avx2,popcnt"), always_inline))
static inline void gather_values_avx2(float *sums, const NCGatherFiring *firing, const float *values, int64_t valueStride,
                                      const uint8_t *passMasks, int64_t passStride, int64_t passes, const int32_t *deltas,
                                      const float *weights, const int32_t *blockLengths, int64_t blockCount,
                                      const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
    for (int64_t y = 0; y < rows; y++) {
        int64_t x = 0;
        for (; x + 8 <= columns; x += 8) {
            const int64_t output = y * columns + x, window = y * paddedWidth + x;
            const __m256 start = bias ? _mm256_loadu_ps(bias + output) : _mm256_setzero_ps();
            __m256 lanes[8];
            for (int g = 0; g < 8; g++) lanes[g] = start;
            int64_t first = 0;
            for (int64_t block = 0; block < blockCount; block++) {
                const int64_t end = first + blockLengths[block];
                for (int64_t p = 0; p < passes; p++) {
                    const uint8_t *masks = passMasks + p * passStride + window;
                    for (int64_t entry = first; entry < end; entry++) {
                        const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(masks + deltas[entry])));
                        const __m256 w = _mm256_broadcast_ss(weights + entry);
                        const float *v = values + window + deltas[entry];
                        for (int g = 0; g < 8; g++) {
                            const __m256i bit = _mm256_set1_epi32(1 << g);
                            const __m256 active = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(bytes, bit), bit));
                            const __m256 term = _mm256_mul_ps(_mm256_loadu_ps(v + g * valueStride), w);
                            lanes[g] = _mm256_blendv_ps(lanes[g], _mm256_add_ps(lanes[g], term), active);
                        }
                    }
                }
                first = end;
            }
            gather_finish8(sums, firing, &state, lanes, output, plane);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_values_one_output(sums, firing, &state, values, valueStride, passMasks, passStride, passes, deltas,
                                     weights, blockLengths, blockCount, bias, y * paddedWidth + x, y * columns + x, plane);
        }
    }
    gather_fire_end(firing, &state);
}

__attribute__((target("avx2,popcnt")))
void nc_group_gather_values_avx2(float *sums, const float *values, int64_t valueStride, const uint8_t *passMasks,
                                 int64_t passStride, int64_t passes, const int32_t *deltas, const float *weights,
                                 const int32_t *blockLengths, int64_t blockCount, const float *bias, int64_t rows,
                                 int64_t columns, int64_t paddedWidth) {
    gather_values_avx2(sums, NULL, values, valueStride, passMasks, passStride, passes, deltas, weights, blockLengths,
                       blockCount, bias, rows, columns, paddedWidth);
}

__attribute__((target("avx2,popcnt")))
void nc_group_gather_values_fire_avx2(const NCGatherFiring *firing, const float *values, int64_t valueStride,
                                      const uint8_t *passMasks, int64_t passStride, int64_t passes, const int32_t *deltas,
                                      const float *weights, const int32_t *blockLengths, int64_t blockCount,
                                      const float *bias, int64_t rows, int64_t columns, int64_t paddedWidth) {
    gather_values_avx2(NULL, firing, values, valueStride, passMasks, passStride, passes, deltas, weights, blockLengths,
                       blockCount, bias, rows, columns, paddedWidth);
}

/// AVX-512: sixteen neighbouring outputs per register, one register per step; each step's lanes of a pass are an
/// opmask of one merge-masked add of value · weight.
__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt"), always_inline))
static inline void gather_values_avx512(float *sums, const NCGatherFiring *firing, const GatherFireShape shape,
                                        const float *values,
                                        int64_t valueStride, const uint8_t *passMasks, int64_t passStride, int64_t passes,
                                        const int32_t *deltas, const float *weights, const int32_t *blockLengths,
                                        int64_t blockCount, const float *bias, int64_t rows, int64_t columns,
                                        int64_t paddedWidth) {
    const int64_t plane = rows * columns;
    GatherFireState state;
    gather_fire_begin(firing, &state);
    __m512i activeLanes[8];
    for (int g = 0; g < 8; g++) activeLanes[g] = _mm512_setzero_si512();
    for (int64_t y = 0; y < rows; y++) {
        int64_t x = 0;
        for (; x + 16 <= columns; x += 16) {
            const int64_t output = y * columns + x, window = y * paddedWidth + x;
            const __m512 start = bias ? _mm512_loadu_ps(bias + output) : _mm512_setzero_ps();
            __m512 l0 = start, l1 = start, l2 = start, l3 = start, l4 = start, l5 = start, l6 = start, l7 = start;
            int64_t first = 0;
            for (int64_t block = 0; block < blockCount; block++) {
                const int64_t end = first + blockLengths[block];
                for (int64_t p = 0; p < passes; p++) {
                    const uint8_t *masks = passMasks + p * passStride + window;
                    for (int64_t entry = first; entry < end; entry++) {
                        const __m128i bytes = _mm_loadu_si128((const __m128i *)(masks + deltas[entry]));
                        const __m512 w = _mm512_set1_ps(weights[entry]);
                        const float *v = values + window + deltas[entry];
#define NC_GATHER_VALUE_STEP(lane, g)                                                                                   \
    lane = nc_masked_add_in_place(lane, nc_step_mask16(bytes, g), _mm512_mul_ps(_mm512_loadu_ps(v + (g) * valueStride), w))
                        NC_GATHER_VALUE_STEP(l0, 0);
                        NC_GATHER_VALUE_STEP(l1, 1);
                        NC_GATHER_VALUE_STEP(l2, 2);
                        NC_GATHER_VALUE_STEP(l3, 3);
                        NC_GATHER_VALUE_STEP(l4, 4);
                        NC_GATHER_VALUE_STEP(l5, 5);
                        NC_GATHER_VALUE_STEP(l6, 6);
                        NC_GATHER_VALUE_STEP(l7, 7);
#undef NC_GATHER_VALUE_STEP
                    }
                }
                first = end;
            }
            gather_finish16(sums, firing, &state, activeLanes, shape, l0, l1, l2, l3, l4, l5, l6, l7, output, plane);
        }
        for (; x < columns; x++) {  // the row's tail, output by output
            gather_values_one_output(sums, firing, &state, values, valueStride, passMasks, passStride, passes, deltas,
                                     weights, blockLengths, blockCount, bias, y * paddedWidth + x, y * columns + x, plane);
        }
    }
    if (firing) {
        for (int64_t g = 0; g < state.steps; g++) state.active[g] += _mm512_reduce_add_epi32(activeLanes[g]);
    }
    gather_fire_end(firing, &state);
}

__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt")))
void nc_group_gather_values_avx512(float *sums, const float *values, int64_t valueStride, const uint8_t *passMasks,
                                   int64_t passStride, int64_t passes, const int32_t *deltas, const float *weights,
                                   const int32_t *blockLengths, int64_t blockCount, const float *bias, int64_t rows,
                                   int64_t columns, int64_t paddedWidth) {
    gather_values_avx512(sums, NULL, (GatherFireShape){0}, values, valueStride, passMasks, passStride, passes, deltas,
                         weights, blockLengths, blockCount, bias, rows, columns, paddedWidth);
}

__attribute__((target("avx2,avx512f,avx512bw,avx512vl,popcnt")))
void nc_group_gather_values_fire_avx512(const NCGatherFiring *firing, const float *values, int64_t valueStride,
                                        const uint8_t *passMasks, int64_t passStride, int64_t passes,
                                        const int32_t *deltas, const float *weights, const int32_t *blockLengths,
                                        int64_t blockCount, const float *bias, int64_t rows, int64_t columns,
                                        int64_t paddedWidth) {
    const GatherFireShape shape = gather_fire_shape(firing);
#define NC_GATHER_FIRE(G, S, R)                                                                                         \
    gather_values_avx512(NULL, firing, (GatherFireShape){8, G, S, R}, values, valueStride, passMasks, passStride,      \
                         passes, deltas, weights, blockLengths, blockCount, bias, rows, columns, paddedWidth)
    NC_GATHER_FIRE_SPECIALISED(shape, NC_GATHER_FIRE,
                               gather_values_avx512(NULL, firing, shape, values, valueStride, passMasks, passStride, passes,
                                                    deltas, weights, blockLengths, blockCount, bias, rows, columns,
                                                    paddedWidth));
#undef NC_GATHER_FIRE

}
#endif
