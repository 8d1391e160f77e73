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

/// Parameters of the plain integrate-and-fire step (the arrays have one value per neuron).
typedef struct {
    /// r per neuron, or NULL when every r is 1 (v + x, not v + 1·x: the same bits, one operation fewer).
    const float *gain;
    /// θ per neuron, or NULL for `sharedThreshold`.
    const float *threshold;
    /// v_reset per neuron, or NULL for `sharedReset` (reset to a value only).
    const float *resetValue;
    float sharedThreshold;
    float sharedReset;
    /// Nonzero: reset by subtracting θ; zero: reset to v_reset.
    int32_t subtract;
    /// Nonzero: fire when v > θ; zero: when v >= θ.
    int32_t strict;
} NCIntegrateAndFireParameters;

/// One step of `count` IF neurons: v ← v + r·x (product rounded, then the sum), fire where v crosses θ, reset the
/// neurons that fire (v − θ or v_reset). Writes the firing neurons' indices ascending to `spikes` (room for
/// count + 16: whole vectors are stored past the last index) and returns how many; `*activeUpdates` receives the
/// number of neurons with x != 0. Bit-identical on every instruction set.
typedef int64_t (*NCIntegrateAndFireKernel)(const NCIntegrateAndFireParameters *parameters, float *v, const float *x,
                                            int64_t count, int32_t *spikes, int64_t *activeUpdates);

/// The integrate-and-fire kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCIntegrateAndFireKernel nc_integrate_and_fire_kernel(NCInstructionSet isa);

/// One input element of a sparse convolution over a group of steps (see nc_group_scatter_kernel): its synapse list
/// entries first ..< end, where tap (0, 0) of its position lands in the output (`origin`, added to each entry's
/// offset), and bit g set when it was active at step g of the group.
typedef struct {
    int32_t first;
    int32_t end;
    int32_t origin;
    uint32_t mask;
} NCGroupSource;

/// For each source s in order and each entry e of its list in order, for each lane g in 0..<8 whose mask bit is set:
///   accumulator[8 · (origin + offsets[e]) + g] += values[8 · s + g] · weights[e]
/// (product rounded, then the sum; other lanes untouched). Bit-identical on every instruction set.
typedef void (*NCGroupScatterKernel)(float *accumulator, const NCGroupSource *sources, const float *values,
                                     int64_t sourceCount, const int32_t *offsets, const float *weights);

/// The group scatter kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupScatterKernel nc_group_scatter_kernel(NCInstructionSet isa);

/// Moves a group's accumulator ([element][8 steps]) to `steps` per-step outputs (step g at output + g · outputStride)
/// and starts the next group: every lane of element i set to bias[i] (0 when bias is NULL).
typedef void (*NCGroupDrainKernel)(float *accumulator, float *output, int64_t count, int64_t steps, int64_t outputStride,
                                   const float *bias);

/// The group drain kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupDrainKernel nc_group_drain_kernel(NCInstructionSet isa);

#endif
