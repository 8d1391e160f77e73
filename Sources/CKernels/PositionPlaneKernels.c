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

/// Every input position of the plane with entries, on a row whose taps land inside the output: calls
/// POSITION(rowOutput, x, first, end) with the output row its taps reach and its entries. Shared by every variant so
/// they walk the plane identically and differ only in the registers of POSITION.
#define FOR_EACH_ACTIVE_POSITION(a, POSITION)                                                                          \
    do {                                                                                                               \
        const int64_t rowFloats_ = (a)->outputWidth * (a)->outputChannels;                                             \
        for (int64_t y_ = 0; y_ < (a)->inputHeight; y_++) {                                                            \
            int32_t row_ = (a)->landingRows[y_ * (a)->kernelHeight];                                                   \
            if (row_ < 0) continue; /* the taps land outside the output from this whole input row */                  \
            float *rowOutput_ = (a)->output + (int64_t)row_ * rowFloats_;                                              \
            const int32_t *rowStarts_ = (a)->starts + y_ * (a)->inputWidth;                                            \
            for (int64_t x_ = 0; x_ < (a)->inputWidth; x_++) {                                                         \
                int32_t first_ = rowStarts_[x_], end_ = rowStarts_[x_ + 1];                                            \
                if (first_ == end_) continue;                                                                          \
                POSITION(rowOutput_, x_, first_, end_);                                                                \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/// One tap at a time: for each tap of the call in turn, every position's entries through tap kx's tile into the output column it
/// lands on, with ONE_TAP(target, tile, first, end).
#define EACH_TAP_IN_TURN(a, ONE_TAP)                                                                                   \
    do {                                                                                                               \
        for (int64_t kx_ = 0; kx_ < (a)->taps; kx_++) {                                                         \
            const float *tile_ = (a)->tiles + kx_ * (a)->tapStride;                                                    \
            const int32_t *columns_ = (a)->landingColumns + kx_;                                                       \
            FOR_EACH_ACTIVE_POSITION(a, ONE_TAP_AT_COLUMN);                                                            \
        }                                                                                                              \
    } while (0)
#define ONE_TAP_AT_COLUMN(rowOutput, x, first, end)                                                                    \
    do {                                                                                                               \
        int32_t column = columns_[(x) * a->kernelWidth];                                                               \
        if (column >= 0) ONE_TAP(rowOutput + (int64_t)column * a->outputChannels, tile_, first, end);                  \
    } while (0)

void nc_position_plane_tile64_generic(const NCPositionPlaneArguments *a) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define ONE_TAP(target, tile, first, end)                                                                              \
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
    EACH_TAP_IN_TURN(a, ONE_TAP);
#undef ONE_TAP
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_position_plane_tile64_avx2(const NCPositionPlaneArguments *a) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define ONE_TAP(target, tile, first, end)                                                                              \
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
    EACH_TAP_IN_TURN(a, ONE_TAP);
#undef ONE_TAP
}

/// AVX-512 with three taps in a call (a row of a kernel three wide; the scatter passes whole rows on layers of at most
/// 64 input channels): the three output
/// columns an input position reaches are added to together, twelve independent accumulators per entry instead of
/// four, and the position's fixed costs (loading and storing its rows, the mispredicted exit of its short entry
/// loop: about 8 entries at 12.5% activity) are paid once for three taps. The three tiles (48 KB at 64 channels)
/// still fit the first-level cache; with more channels they do not, the loop waits on the second-level cache, and
/// one tap at a time measured faster. The order per output element is unchanged: its taps still arrive kx = 0, 1, 2,
/// because the positions are walked with x ascending and tap kx reaches it from x = c·stride − padding + kx·dilation.
/// A tap that lands outside the output adds into a scratch row instead (no branch per tap).
__attribute__((target("avx512f")))
static void position_plane_three_taps_avx512(const NCPositionPlaneArguments *a) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
    const float *t0 = a->tiles, *t1 = a->tiles + a->tapStride, *t2 = a->tiles + 2 * a->tapStride;
    const int64_t outputChannels = a->outputChannels;
    float scratch[3 * 64] __attribute__((aligned(64))) = {0};  // zeros: no NaN or subnormal to slow the adds
#define THREE_TAPS(rowOutput, x, first, end)                                                                           \
    do {                                                                                                               \
        const int32_t *columns = a->landingColumns + (x) * a->kernelWidth;                                                          \
        float *p = columns[0] >= 0 ? rowOutput + (int64_t)columns[0] * outputChannels : scratch;                       \
        float *q = columns[1] >= 0 ? rowOutput + (int64_t)columns[1] * outputChannels : scratch + 64;                  \
        float *r = columns[2] >= 0 ? rowOutput + (int64_t)columns[2] * outputChannels : scratch + 128;                 \
        __m512 p0 = _mm512_loadu_ps(p), p1 = _mm512_loadu_ps(p + 16), p2 = _mm512_loadu_ps(p + 32), p3 = _mm512_loadu_ps(p + 48); \
        __m512 q0 = _mm512_loadu_ps(q), q1 = _mm512_loadu_ps(q + 16), q2 = _mm512_loadu_ps(q + 32), q3 = _mm512_loadu_ps(q + 48); \
        __m512 r0 = _mm512_loadu_ps(r), r1 = _mm512_loadu_ps(r + 16), r2 = _mm512_loadu_ps(r + 32), r3 = _mm512_loadu_ps(r + 48); \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const int64_t o = (int64_t)channels[e] * 64;                                                           \
                p0 = _mm512_add_ps(p0, _mm512_loadu_ps(t0 + o)); p1 = _mm512_add_ps(p1, _mm512_loadu_ps(t0 + o + 16));  \
                p2 = _mm512_add_ps(p2, _mm512_loadu_ps(t0 + o + 32)); p3 = _mm512_add_ps(p3, _mm512_loadu_ps(t0 + o + 48)); \
                q0 = _mm512_add_ps(q0, _mm512_loadu_ps(t1 + o)); q1 = _mm512_add_ps(q1, _mm512_loadu_ps(t1 + o + 16));  \
                q2 = _mm512_add_ps(q2, _mm512_loadu_ps(t1 + o + 32)); q3 = _mm512_add_ps(q3, _mm512_loadu_ps(t1 + o + 48)); \
                r0 = _mm512_add_ps(r0, _mm512_loadu_ps(t2 + o)); r1 = _mm512_add_ps(r1, _mm512_loadu_ps(t2 + o + 16));  \
                r2 = _mm512_add_ps(r2, _mm512_loadu_ps(t2 + o + 32)); r3 = _mm512_add_ps(r3, _mm512_loadu_ps(t2 + o + 48)); \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const __m512 s = _mm512_set1_ps(values[e]);                                                            \
                const int64_t o = (int64_t)channels[e] * 64;                                                           \
                p0 = _mm512_add_ps(p0, _mm512_mul_ps(s, _mm512_loadu_ps(t0 + o)));                                     \
                p1 = _mm512_add_ps(p1, _mm512_mul_ps(s, _mm512_loadu_ps(t0 + o + 16)));                                \
                p2 = _mm512_add_ps(p2, _mm512_mul_ps(s, _mm512_loadu_ps(t0 + o + 32)));                                \
                p3 = _mm512_add_ps(p3, _mm512_mul_ps(s, _mm512_loadu_ps(t0 + o + 48)));                                \
                q0 = _mm512_add_ps(q0, _mm512_mul_ps(s, _mm512_loadu_ps(t1 + o)));                                     \
                q1 = _mm512_add_ps(q1, _mm512_mul_ps(s, _mm512_loadu_ps(t1 + o + 16)));                                \
                q2 = _mm512_add_ps(q2, _mm512_mul_ps(s, _mm512_loadu_ps(t1 + o + 32)));                                \
                q3 = _mm512_add_ps(q3, _mm512_mul_ps(s, _mm512_loadu_ps(t1 + o + 48)));                                \
                r0 = _mm512_add_ps(r0, _mm512_mul_ps(s, _mm512_loadu_ps(t2 + o)));                                     \
                r1 = _mm512_add_ps(r1, _mm512_mul_ps(s, _mm512_loadu_ps(t2 + o + 16)));                                \
                r2 = _mm512_add_ps(r2, _mm512_mul_ps(s, _mm512_loadu_ps(t2 + o + 32)));                                \
                r3 = _mm512_add_ps(r3, _mm512_mul_ps(s, _mm512_loadu_ps(t2 + o + 48)));                                \
            }                                                                                                          \
        }                                                                                                              \
        _mm512_storeu_ps(p, p0); _mm512_storeu_ps(p + 16, p1); _mm512_storeu_ps(p + 32, p2); _mm512_storeu_ps(p + 48, p3); \
        _mm512_storeu_ps(q, q0); _mm512_storeu_ps(q + 16, q1); _mm512_storeu_ps(q + 32, q2); _mm512_storeu_ps(q + 48, q3); \
        _mm512_storeu_ps(r, r0); _mm512_storeu_ps(r + 16, r1); _mm512_storeu_ps(r + 32, r2); _mm512_storeu_ps(r + 48, r3); \
    } while (0)
    FOR_EACH_ACTIVE_POSITION(a, THREE_TAPS);
#undef THREE_TAPS
}

__attribute__((target("avx512f")))
void nc_position_plane_tile64_avx512(const NCPositionPlaneArguments *a) {
    if (a->taps == 3) {
        position_plane_three_taps_avx512(a);
        return;
    }
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define ONE_TAP(target, tile, first, end)                                                                              \
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
    EACH_TAP_IN_TURN(a, ONE_TAP);
#undef ONE_TAP
}
#endif

#if defined(__aarch64__)
void nc_position_plane_tile64_neon(const NCPositionPlaneArguments *a) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
#define ONE_TAP(target, tile, first, end)                                                                              \
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
    EACH_TAP_IN_TURN(a, ONE_TAP);
#undef ONE_TAP
}
#endif

// ---- Packed rows: the same kernels over weights stored as the upper halves of their float32 bit patterns.
//
// When every weight of a layer has zero low 16 bits (it is exactly a bfloat16: 8 significant bits, as weights
// quantized to 8-bit levels with a power-of-two scale are), the layer's rows can be kept in half the bytes and
// widened back by a shift or a mask: the widened float has the weight's exact bit pattern, so every product, sum
// and spike is bit-identical to the float rows. A row of 64 channels is 32 words; word j of each half (j in
// 0..<16) holds channel j of that half's 32 in its low 16 bits and channel j + 16 in its high 16 bits, so one
// shift (channels j) and one mask (channels j + 16) widen 32 weights held in one 512-bit load.

/// Tap kx's packed tile: `tapStride / 2` words after tap kx − 1's.
#define EACH_PACKED_TAP_IN_TURN(a, packed, ONE_TAP)                                                                    \
    do {                                                                                                               \
        for (int64_t kx_ = 0; kx_ < (a)->taps; kx_++) {                                                                \
            const uint32_t *tile_ = (packed) + kx_ * ((a)->tapStride / 2);                                             \
            const int32_t *columns_ = (a)->landingColumns + kx_;                                                       \
            FOR_EACH_ACTIVE_POSITION(a, ONE_TAP_AT_COLUMN);                                                            \
        }                                                                                                              \
    } while (0)

/// Eight 32-bit words in the baseline vector registers.
typedef uint32_t NCWord8 __attribute__((vector_size(32)));

void nc_position_plane_packed_tile64_generic(const NCPositionPlaneArguments *a, const uint32_t *packed) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
    const NCWord8 high = {0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u,
                          0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u, 0xFFFF0000u};
    // Channels k..k+7 (low halves) and k+16..k+23 (high halves) of word block `words`; a vector cast reinterprets
    // the bits.
#define WIDEN(words, low, upper)                                                                                       \
    do {                                                                                                               \
        NCWord8 w_; memcpy(&w_, (words), sizeof w_);                                                                   \
        low = (NCFloat8)(w_ << 16); upper = (NCFloat8)(w_ & high);                                                     \
    } while (0)
#define ONE_TAP(target, tile, first, end)                                                                              \
    do {                                                                                                               \
        NCFloat8 a0 = LOAD8(target), a1 = LOAD8(target + 8), a2 = LOAD8(target + 16), a3 = LOAD8(target + 24);        \
        NCFloat8 a4 = LOAD8(target + 32), a5 = LOAD8(target + 40), a6 = LOAD8(target + 48), a7 = LOAD8(target + 56);  \
        for (int32_t e = first; e < end; e++) {                                                                        \
            const uint32_t *w = tile + (int64_t)channels[e] * 32;                                                      \
            NCFloat8 w0, w1, w2, w3, w4, w5, w6, w7;                                                                   \
            WIDEN(w, w0, w2); WIDEN(w + 8, w1, w3); WIDEN(w + 16, w4, w6); WIDEN(w + 24, w5, w7);                      \
            if (unit) {                                                                                                \
                a0 = a0 + w0; a1 = a1 + w1; a2 = a2 + w2; a3 = a3 + w3;                                                \
                a4 = a4 + w4; a5 = a5 + w5; a6 = a6 + w6; a7 = a7 + w7;                                                \
            } else {                                                                                                   \
                float v = values[e];                                                                                   \
                NCFloat8 s = {v, v, v, v, v, v, v, v};                                                                 \
                a0 = a0 + s * w0; a1 = a1 + s * w1; a2 = a2 + s * w2; a3 = a3 + s * w3;                                \
                a4 = a4 + s * w4; a5 = a5 + s * w5; a6 = a6 + s * w6; a7 = a7 + s * w7;                                \
            }                                                                                                          \
        }                                                                                                              \
        STORE8(target, a0); STORE8(target + 8, a1); STORE8(target + 16, a2); STORE8(target + 24, a3);                 \
        STORE8(target + 32, a4); STORE8(target + 40, a5); STORE8(target + 48, a6); STORE8(target + 56, a7);           \
    } while (0)
    EACH_PACKED_TAP_IN_TURN(a, packed, ONE_TAP);
#undef ONE_TAP
#undef WIDEN
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
void nc_position_plane_packed_tile64_avx2(const NCPositionPlaneArguments *a, const uint32_t *packed) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
    const __m256i high = _mm256_set1_epi32((int)0xFFFF0000u);
#define LOW(words) _mm256_castsi256_ps(_mm256_slli_epi32(words, 16))
#define HIGH(words) _mm256_castsi256_ps(_mm256_and_si256(words, high))
#define ONE_TAP(target, tile, first, end)                                                                              \
    do {                                                                                                               \
        __m256 a0 = _mm256_loadu_ps(target), a1 = _mm256_loadu_ps(target + 8);                                        \
        __m256 a2 = _mm256_loadu_ps(target + 16), a3 = _mm256_loadu_ps(target + 24);                                  \
        __m256 a4 = _mm256_loadu_ps(target + 32), a5 = _mm256_loadu_ps(target + 40);                                  \
        __m256 a6 = _mm256_loadu_ps(target + 48), a7 = _mm256_loadu_ps(target + 56);                                  \
        for (int32_t e = first; e < end; e++) {                                                                        \
            const uint32_t *w = tile + (int64_t)channels[e] * 32;                                                      \
            __m256i u0 = _mm256_loadu_si256((const __m256i *)w), u1 = _mm256_loadu_si256((const __m256i *)(w + 8));   \
            __m256i u2 = _mm256_loadu_si256((const __m256i *)(w + 16)), u3 = _mm256_loadu_si256((const __m256i *)(w + 24)); \
            if (unit) {                                                                                                \
                a0 = _mm256_add_ps(a0, LOW(u0)); a1 = _mm256_add_ps(a1, LOW(u1));                                      \
                a2 = _mm256_add_ps(a2, HIGH(u0)); a3 = _mm256_add_ps(a3, HIGH(u1));                                    \
                a4 = _mm256_add_ps(a4, LOW(u2)); a5 = _mm256_add_ps(a5, LOW(u3));                                      \
                a6 = _mm256_add_ps(a6, HIGH(u2)); a7 = _mm256_add_ps(a7, HIGH(u3));                                    \
            } else {                                                                                                   \
                __m256 s = _mm256_set1_ps(values[e]);                                                                  \
                a0 = _mm256_add_ps(a0, _mm256_mul_ps(s, LOW(u0))); a1 = _mm256_add_ps(a1, _mm256_mul_ps(s, LOW(u1)));  \
                a2 = _mm256_add_ps(a2, _mm256_mul_ps(s, HIGH(u0))); a3 = _mm256_add_ps(a3, _mm256_mul_ps(s, HIGH(u1))); \
                a4 = _mm256_add_ps(a4, _mm256_mul_ps(s, LOW(u2))); a5 = _mm256_add_ps(a5, _mm256_mul_ps(s, LOW(u3)));  \
                a6 = _mm256_add_ps(a6, _mm256_mul_ps(s, HIGH(u2))); a7 = _mm256_add_ps(a7, _mm256_mul_ps(s, HIGH(u3))); \
            }                                                                                                          \
        }                                                                                                              \
        _mm256_storeu_ps(target, a0); _mm256_storeu_ps(target + 8, a1);                                                \
        _mm256_storeu_ps(target + 16, a2); _mm256_storeu_ps(target + 24, a3);                                          \
        _mm256_storeu_ps(target + 32, a4); _mm256_storeu_ps(target + 40, a5);                                          \
        _mm256_storeu_ps(target + 48, a6); _mm256_storeu_ps(target + 56, a7);                                          \
    } while (0)
    EACH_PACKED_TAP_IN_TURN(a, packed, ONE_TAP);
#undef ONE_TAP
#undef LOW
#undef HIGH
}

__attribute__((target("avx512f")))
void nc_position_plane_packed_tile64_avx512(const NCPositionPlaneArguments *a, const uint32_t *packed) {
    const float *values = a->values;
    const int32_t *channels = a->channels;
    const int unit = a->unitValues != 0;
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
#define LOW(words) _mm512_castsi512_ps(_mm512_slli_epi32(words, 16))
#define HIGH(words) _mm512_castsi512_ps(_mm512_and_si512(words, high))
#define ONE_TAP(target, tile, first, end)                                                                              \
    do {                                                                                                               \
        __m512 a0 = _mm512_loadu_ps(target), a1 = _mm512_loadu_ps(target + 16);                                       \
        __m512 a2 = _mm512_loadu_ps(target + 32), a3 = _mm512_loadu_ps(target + 48);                                  \
        if (unit) {                                                                                                    \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const uint32_t *w = tile + (int64_t)channels[e] * 32;                                                  \
                __m512i u0 = _mm512_loadu_si512(w), u1 = _mm512_loadu_si512(w + 16);                                   \
                a0 = _mm512_add_ps(a0, LOW(u0)); a1 = _mm512_add_ps(a1, HIGH(u0));                                     \
                a2 = _mm512_add_ps(a2, LOW(u1)); a3 = _mm512_add_ps(a3, HIGH(u1));                                     \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int32_t e = first; e < end; e++) {                                                                    \
                const uint32_t *w = tile + (int64_t)channels[e] * 32;                                                  \
                __m512i u0 = _mm512_loadu_si512(w), u1 = _mm512_loadu_si512(w + 16);                                   \
                __m512 s = _mm512_set1_ps(values[e]);                                                                  \
                a0 = _mm512_add_ps(a0, _mm512_mul_ps(s, LOW(u0))); a1 = _mm512_add_ps(a1, _mm512_mul_ps(s, HIGH(u0)));  \
                a2 = _mm512_add_ps(a2, _mm512_mul_ps(s, LOW(u1))); a3 = _mm512_add_ps(a3, _mm512_mul_ps(s, HIGH(u1)));  \
            }                                                                                                          \
        }                                                                                                              \
        _mm512_storeu_ps(target, a0); _mm512_storeu_ps(target + 16, a1);                                               \
        _mm512_storeu_ps(target + 32, a2); _mm512_storeu_ps(target + 48, a3);                                          \
    } while (0)
    EACH_PACKED_TAP_IN_TURN(a, packed, ONE_TAP);
#undef ONE_TAP
#undef LOW
#undef HIGH
}
#endif
