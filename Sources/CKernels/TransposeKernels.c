// The transpose of a dense convolution's channels-last output to (channels, positions), per instruction set: pure
// data movement (every value copied, none computed), so every variant gives the same bits.
#include "CKernels.h"
#include "KernelDispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Tiles of 16 × 16 so that reads and writes both stay in cache.
enum { NCTransposeTile = 16 };

void nc_transpose_generic(const float *source, int64_t positions, int64_t channels, float *destination) {
    for (int64_t channelStart = 0; channelStart < channels; channelStart += NCTransposeTile) {
        int64_t channelEnd = channelStart + NCTransposeTile < channels ? channelStart + NCTransposeTile : channels;
        for (int64_t positionStart = 0; positionStart < positions; positionStart += NCTransposeTile) {
            int64_t positionEnd = positionStart + NCTransposeTile < positions ? positionStart + NCTransposeTile : positions;
            for (int64_t channel = channelStart; channel < channelEnd; channel++) {
                float *row = destination + channel * positions;
                for (int64_t position = positionStart; position < positionEnd; position++) {
                    row[position] = source[position * channels + channel];
                }
            }
        }
    }
}

#if defined(__x86_64__)
/// One 16 × 16 block in registers: sixteen rows of sixteen channels (one position each) loaded, rearranged by
/// three rounds of shuffles (pairs of floats, pairs of pairs, then 128-bit lanes: 64 shuffles in all) into
/// sixteen rows of sixteen positions (one channel each), stored contiguously. Measured in isolation against one
/// gather per sixteen values: 0.6-0.7× the time on 16 × 16 to 4 × 4 planes of 128-512 channels, 0.9× on a
/// 32 × 32 plane of 64 (bound by memory there).
__attribute__((target("avx512f")))
static inline void transpose_block16_avx512(const float *source, int64_t channels, float *destination, int64_t positions) {
    __m512 rows[16], pairs[16];
    for (int i = 0; i < 16; i++) rows[i] = _mm512_loadu_ps(source + i * channels);
    // pairs[2i], pairs[2i + 1]: floats of positions 2i and 2i + 1 interleaved, per 128-bit lane.
    for (int i = 0; i < 8; i++) {
        pairs[2 * i] = _mm512_unpacklo_ps(rows[2 * i], rows[2 * i + 1]);
        pairs[2 * i + 1] = _mm512_unpackhi_ps(rows[2 * i], rows[2 * i + 1]);
    }
    // rows[4i + j], lane L: channel 4L + j of positions 4i ..< 4i + 4.
    for (int i = 0; i < 4; i++) {
        const __m512d low = _mm512_castps_pd(pairs[4 * i]), high = _mm512_castps_pd(pairs[4 * i + 1]);
        const __m512d nextLow = _mm512_castps_pd(pairs[4 * i + 2]), nextHigh = _mm512_castps_pd(pairs[4 * i + 3]);
        rows[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(low, nextLow));
        rows[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(low, nextLow));
        rows[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(high, nextHigh));
        rows[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(high, nextHigh));
    }
    // Gather each channel's four lanes (positions 0-3, 4-7, 8-11, 12-15) with two rounds of lane shuffles.
    for (int j = 0; j < 4; j++) {
        const __m512 evenFirst = _mm512_shuffle_f32x4(rows[j], rows[4 + j], 0x88);   // lanes 0, 2 of each
        const __m512 oddFirst = _mm512_shuffle_f32x4(rows[j], rows[4 + j], 0xDD);    // lanes 1, 3 of each
        const __m512 evenSecond = _mm512_shuffle_f32x4(rows[8 + j], rows[12 + j], 0x88);
        const __m512 oddSecond = _mm512_shuffle_f32x4(rows[8 + j], rows[12 + j], 0xDD);
        _mm512_storeu_ps(destination + j * positions, _mm512_shuffle_f32x4(evenFirst, evenSecond, 0x88));
        _mm512_storeu_ps(destination + (8 + j) * positions, _mm512_shuffle_f32x4(evenFirst, evenSecond, 0xDD));
        _mm512_storeu_ps(destination + (4 + j) * positions, _mm512_shuffle_f32x4(oddFirst, oddSecond, 0x88));
        _mm512_storeu_ps(destination + (12 + j) * positions, _mm512_shuffle_f32x4(oddFirst, oddSecond, 0xDD));
    }
}

/// Whole 16 × 16 blocks through `transpose_block16_avx512`; a last block of fewer than sixteen channels takes
/// sixteen positions of a channel per instruction (a gather with the channel count as stride); positions past the
/// last whole block go one float at a time.
__attribute__((target("avx512f")))
void nc_transpose_avx512(const float *source, int64_t positions, int64_t channels, float *destination) {
    if (channels > INT32_MAX / NCTransposeTile) {  // gather offsets are 32-bit
        nc_transpose_generic(source, positions, channels, destination);
        return;
    }
    const int32_t c = (int32_t)channels;
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(c));
    const int64_t wholePositions = positions - positions % NCTransposeTile;
    for (int64_t channelStart = 0; channelStart < channels; channelStart += NCTransposeTile) {
        int64_t channelEnd = channelStart + NCTransposeTile < channels ? channelStart + NCTransposeTile : channels;
        for (int64_t positionStart = 0; positionStart < wholePositions; positionStart += NCTransposeTile) {
            const float *block = source + positionStart * channels;
            if (channelEnd - channelStart == NCTransposeTile) {
                transpose_block16_avx512(block + channelStart, channels, destination + channelStart * positions + positionStart,
                                         positions);
                continue;
            }
            for (int64_t channel = channelStart; channel < channelEnd; channel++) {
                __m512 column = _mm512_i32gather_ps(offsets, block + channel, 4);
                _mm512_storeu_ps(destination + channel * positions + positionStart, column);
            }
        }
        for (int64_t channel = channelStart; channel < channelEnd; channel++) {
            float *row = destination + channel * positions;
            for (int64_t position = wholePositions; position < positions; position++) {
                row[position] = source[position * channels + channel];
            }
        }
    }
}
#endif
