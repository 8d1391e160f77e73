#ifndef NEUROCOST_CKERNELS_H
#define NEUROCOST_CKERNELS_H

#include <stdint.h>

/// Instruction sets the hot kernels are compiled for; the widest one the CPU (and its OS) supports is used.
typedef enum {
    NCInstructionSetGeneric = 0,
    NCInstructionSetAVX2 = 1,
    NCInstructionSetAVX512 = 2,
    NCInstructionSetNEON = 3,
} NCInstructionSet;

/// Whether this CPU can run the kernels compiled for `isa`.
int nc_isa_supported(NCInstructionSet isa);

/// The process's instruction set for the kernels, decided on first use: the one NEUROCOST_ISA names (generic, avx2,
/// avx512, neon) when the CPU supports it, else the widest supported.
NCInstructionSet nc_isa_current(void);

/// One input row of a dense convolution scattered by input position, for one kernel tap and one tile of 64 output
/// channels (see ConvolutionScatter.scatter(byPosition:...)). For each input column x with active channels
/// (entries rowStarts[x] ..< rowStarts[x + 1]) whose tap lands on output column c = landingColumns[x * stride] >= 0:
///   out[c * outputChannels + k] += values[e] * tile[channels[e] * 64 + k]   for k in 0..<64, e in order,
/// each product rounded and then added (no fused multiply-add), so every instruction set gives the same bits.
typedef void (*NCPositionRowKernel)(float *rowOutput, const int32_t *rowStarts, const int32_t *landingColumns,
                                    int64_t landingStride, int64_t inputWidth, int64_t outputChannels,
                                    const float *tile, const int32_t *channels, const float *values);

/// The position-row kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCPositionRowKernel nc_position_row_kernel(NCInstructionSet isa);

#endif
