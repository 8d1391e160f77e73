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

/// Consecutive kernel taps of one row (fixed ky; kx = k0, k0 + 1, ..., k0 + taps − 1) of a dense convolution
/// scattered by input position, over one slot's whole input plane, for one tile of 64 output channels (see
/// ConvolutionScatter.scatter(byPosition:...)).
typedef struct {
    /// The slot's channels-last output (positions × outputChannels), advanced to the tile's first channel.
    float *output;
    /// Entry starts of the slot's per-position lists: position p's entries are starts[p] ..< starts[p + 1].
    const int32_t *starts;
    /// landingRows[y * kernelHeight]: the output row the taps reach from input row y, or -1 (advanced to ky).
    const int32_t *landingRows;
    /// landingColumns[x * kernelWidth + kx − k0]: the output column tap kx reaches from input column x, or -1
    /// (advanced to k0).
    const int32_t *landingColumns;
    int64_t kernelHeight, kernelWidth;
    int64_t inputHeight, inputWidth;
    int64_t outputWidth, outputChannels;
    /// Tap (ky, k0)'s tile: 64 weights per input channel, contiguous; tap (ky, kx)'s is `tapStride · (kx − k0)`
    /// floats on.
    const float *tiles;
    int64_t tapStride;
    /// Taps in this call.
    int64_t taps;
    /// Per entry, its input channel and its value (a spike's route factor, or the sum of several).
    const int32_t *channels;
    const float *values;
    /// Nonzero when every value is exactly 1: the products are then the weights themselves (1·w = w bit for bit),
    /// and the kernel adds them without multiplying.
    int32_t unitValues;
} NCPositionPlaneArguments;

/// For each output element, tap by tap (kx ascending), from the one input position (y, x) the tap reaches it from,
/// entry by entry in order:
///   out[(r * outputWidth + c) * outputChannels + k] += values[e] * tile_kx[channels[e] * 64 + k]   for k in 0..<64,
/// each product rounded and then added (no fused multiply-add), so every instruction set gives the same bits
/// whether it walks the taps one at a time or several together.
typedef void (*NCPositionPlaneKernel)(const NCPositionPlaneArguments *arguments);

/// The position-plane kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCPositionPlaneKernel nc_position_plane_kernel(NCInstructionSet isa);

/// The position-plane kernel over packed rows: as NCPositionPlaneKernel, but `arguments->tiles` is not read; the
/// weights come from `packedTiles`, tap (ky, k0)'s tile, each 64-channel row 32 words (word j of each 16-word half:
/// bits of channel j of that half's 32 in the low 16 bits, of channel j + 16 in the high 16; each weight's float32
/// bit pattern is its 16 bits followed by 16 zeros), tap (ky, kx)'s tile `tapStride / 2 · (kx − k0)` words on.
/// The widened weights are the float32 weights bit for bit, so the output is the float kernel's bit for bit.
typedef void (*NCPackedPositionPlaneKernel)(const NCPositionPlaneArguments *arguments, const uint32_t *packedTiles);

/// The packed position-plane kernel compiled for `isa`, or NULL when this CPU cannot run it or the instruction set
/// has none (the engine then keeps the float rows).
NCPackedPositionPlaneKernel nc_packed_position_plane_kernel(NCInstructionSet isa);

/// (positions, channels) → (channels, positions): destination[c * positions + p] = source[p * channels + c].
typedef void (*NCTransposeKernel)(const float *source, int64_t positions, int64_t channels, float *destination);

/// The transpose kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCTransposeKernel nc_transpose_kernel(NCInstructionSet isa);

/// output[j] += scale * row[j] for j in 0..<count, each product rounded and then added (no fused multiply-add).
typedef void (*NCScaledRowKernel)(float *output, const float *row, float scale, int64_t count);

/// The scaled-row kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCScaledRowKernel nc_scaled_row_kernel(NCInstructionSet isa);

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
/// (product rounded, then the sum; other lanes untouched). `values` NULL: every value is 1 (spikes through an identity
/// route), and 1 · w = w exactly, so the weight is added as it is. Bit-identical on every instruction set.
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

/// A group drain that steps a plain IF population instead of writing the per-step inputs: for each element i (in
/// order) and each step g < steps, the input x = accumulator[8 · i + g] goes through one IF step of neuron i exactly
/// as nc_integrate_and_fire_kernel steps it (v ← v + r·x, fire, reset), so the result is bit-identical to
/// nc_group_drain_kernel followed by that kernel once per step. Step g's firing neurons are listed ascending in
/// spikes[g] (room for count + 16), its length in listed[g], and its number of neurons with x != 0 in
/// activeUpdates[g]. The accumulator restarts at the bias as in nc_group_drain_kernel.
typedef void (*NCGroupDrainFireKernel)(float *accumulator, int64_t count, int64_t steps, const float *bias,
                                       const NCIntegrateAndFireParameters *parameters, float *v,
                                       int32_t *const *spikes, int64_t *listed, int64_t *activeUpdates);

/// The IF group drain kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupDrainFireKernel nc_group_drain_fire_kernel(NCInstructionSet isa);


/// One output channel of a stride-1 convolution over a group of steps, gathered: for output o = y · columns + x of
/// the channel's rows × columns, and each step g in 0..<8, sums[g · rows · columns + o] is bias[o] (0 when bias is
/// NULL) plus, for each entry e in order where masks[y · paddedWidth + x + deltas[e]] has bit g set, weights[e]
/// (each added in turn). `masks` is the channel's window origin on a zero-bordered plane of per-source activity
/// bytes (bit g: the source spiked at step g). Bit-identical on every instruction set.
typedef void (*NCGroupGatherKernel)(float *sums, const uint8_t *masks, const int32_t *deltas, const float *weights,
                                    int64_t entryCount, const float *bias, int64_t rows, int64_t columns,
                                    int64_t paddedWidth);

/// The group gather kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupGatherKernel nc_group_gather_kernel(NCInstructionSet isa);

/// One step of the IF neurons of a (channels, positions) population whose input is a dense convolution's channels-last
/// output: exactly nc_transpose_kernel's transpose of x (positions, channels) followed by nc_integrate_and_fire_kernel
/// over its positions · channels values (neuron c · positions + p takes x[p · channels + c]), without writing the
/// transposed input. Bit-identical to that pair, and to itself on every instruction set. `spikes` needs room for
/// positions · channels + 16 (whole vectors are stored past the last index); `masks` is the caller's scratch, room for
/// 16 · ⌈positions / 16⌉ values (the firing masks of one tile of 16 channels), so no call allocates.
typedef int64_t (*NCChannelsLastIntegrateAndFireKernel)(const NCIntegrateAndFireParameters *parameters, float *v,
                                                        const float *x, int64_t positions, int64_t channels,
                                                        int32_t *spikes, int64_t *activeUpdates, uint16_t *masks);

/// The channels-last IF kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCChannelsLastIntegrateAndFireKernel nc_integrate_and_fire_channels_last_kernel(NCInstructionSet isa);

/// An NCGroupDrainFireKernel as nc_group_drain_fire_kernel, with a variant specialised for whole groups of 8 steps
/// where `isa` has one (AVX-512; it hands partial groups to the general variant), else that same kernel; NULL when this
/// CPU cannot run `isa`. Bit-identical to it.
NCGroupDrainFireKernel nc_group_drain_fire_whole_kernel(NCInstructionSet isa);

/// One output channel of a stride-1 convolution over a group of steps, gathered from per-step input values (inputs
/// merged through a pool): for output o = y · columns + x and step g in 0..<8, sums[g · rows · columns + o] is bias[o]
/// (0 when bias is NULL) plus, block after block (blockLengths[b] consecutive entries: one input channel and kernel
/// row), pass p after pass p for p in 0..<passes, each of the block's entries e in order where
/// passMasks[p · passStride + w + deltas[e]] has bit g set, with w = y · paddedWidth + x, the term
/// values[g · valueStride + w + deltas[e]] · weights[e] (a product, then a sum; each added in turn). Lanes whose bit
/// is clear are never read into a sum. Bit-identical on every instruction set.
typedef void (*NCGroupGatherValuesKernel)(float *sums, const float *values, int64_t valueStride, const uint8_t *passMasks,
                                          int64_t passStride, int64_t passes, const int32_t *deltas, const float *weights,
                                          const int32_t *blockLengths, int64_t blockCount, const float *bias, int64_t rows,
                                          int64_t columns, int64_t paddedWidth);

/// The group gather kernel over values compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupGatherValuesKernel nc_group_gather_values_kernel(NCInstructionSet isa);

/// The IF population a gather kernel steps with one output channel's sums instead of writing them
/// (nc_group_gather_fire_kernel, nc_group_gather_values_fire_kernel).
typedef struct {
    /// The population's parameters, their arrays indexed by neuron over the whole population.
    const NCIntegrateAndFireParameters *parameters;
    /// The whole population's potentials.
    float *v;
    /// The neuron of the channel's output 0 (channel · rows · columns): output o is neuron first + o.
    int64_t first;
    /// Steps 0 ..< steps (1 to 8) are stepped; the others' sums are dropped.
    int64_t steps;
    /// Step g's spike list: the channel's firing neurons are appended at spikes[g] + listed[g] (room for 16 past
    /// the last: whole vectors are stored).
    int32_t *const *spikes;
    /// Per step, in and out: entries listed so far (incremented by the channel's spikes).
    int64_t *listed;
    /// Per step, in and out: neurons with a sum != 0 so far (incremented by the channel's).
    int64_t *activeUpdates;
} NCGatherFiring;

/// nc_group_gather_kernel's sums of one output channel (arguments after `firing` as there) put through the IF step of
/// `firing`'s population as they come out of the registers: for each output o in order, step g < steps, neuron
/// first + o takes x = the sum the gather writes at sums[g · rows · columns + o] and is stepped exactly as
/// nc_integrate_and_fire_kernel steps it. Potentials, each step's appended spikes (ascending) and active updates are
/// bit-identical to that gather followed by that kernel once per step over the channel's neurons. Bit-identical on
/// every instruction set.
typedef void (*NCGroupGatherFireKernel)(const NCGatherFiring *firing, const uint8_t *masks, const int32_t *deltas,
                                        const float *weights, int64_t entryCount, const float *bias, int64_t rows,
                                        int64_t columns, int64_t paddedWidth);

/// The firing group gather kernel compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupGatherFireKernel nc_group_gather_fire_kernel(NCInstructionSet isa);

/// nc_group_gather_values_kernel's sums (arguments after `firing` as there) put through the IF step of `firing`'s
/// population, as nc_group_gather_fire_kernel does with nc_group_gather_kernel's. Bit-identical to that gather
/// followed by the IF kernel once per step, and on every instruction set.
typedef void (*NCGroupGatherValuesFireKernel)(const NCGatherFiring *firing, const float *values, int64_t valueStride,
                                              const uint8_t *passMasks, int64_t passStride, int64_t passes,
                                              const int32_t *deltas, const float *weights, const int32_t *blockLengths,
                                              int64_t blockCount, const float *bias, int64_t rows, int64_t columns,
                                              int64_t paddedWidth);

/// The firing group gather kernel over values compiled for `isa`, or NULL when this CPU cannot run it.
NCGroupGatherValuesFireKernel nc_group_gather_values_fire_kernel(NCInstructionSet isa);

/// The IF step of nc_integrate_and_fire_kernel over `steps` (1 to 8) consecutive steps of one population: neuron i
/// takes x = inputs[g][i] at step g (the arrays may be one and the same), for each neuron in order and each step in
/// order, exactly as that kernel steps it once per step. Step g's firing neurons are listed ascending in spikes[g]
/// (room for count + 16: whole vectors are stored), its length in listed[g], and its number of neurons with x != 0 in
/// activeUpdates[g]. Bit-identical to that kernel called once per step, and on every instruction set.
typedef void (*NCIntegrateAndFireStepsKernel)(const NCIntegrateAndFireParameters *parameters, float *v,
                                              const float *const *inputs, int64_t count, int64_t steps,
                                              int32_t *const *spikes, int64_t *listed, int64_t *activeUpdates);

/// The IF kernel over a group of steps compiled for `isa`, or NULL when this CPU cannot run it.
NCIntegrateAndFireStepsKernel nc_integrate_and_fire_steps_kernel(NCInstructionSet isa);

#endif
