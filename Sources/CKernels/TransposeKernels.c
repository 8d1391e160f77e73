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
/// Sixteen positions of a channel per instruction (a gather with the channel count as stride), one contiguous
/// store; the scalar loop moved one float per load and store.
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
