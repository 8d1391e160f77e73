internal import CKernels

/// The instruction set the engine's hot kernels run with. The plain release build carries a variant of each kernel
/// for every instruction set of its architecture and picks the widest the CPU supports at run time, so no build flag
/// decides the speed and the binary runs on any CPU of its architecture. `NEUROCOST_ISA=generic|avx2|avx512|neon`
/// forces one (ignored when the CPU lacks it). Every variant gives bit-identical results.
public enum KernelInstructionSet: String, CaseIterable, Sendable {
    /// Portable C, vectorised for the architecture's baseline (SSE2 on x86-64).
    case generic
    /// x86-64 with AVX2 (256-bit registers).
    case avx2
    /// x86-64 with AVX-512F (512-bit registers).
    case avx512
    /// AArch64 Advanced SIMD (128-bit registers).
    case neon

    /// The process's choice: `NEUROCOST_ISA` when the CPU supports it, else the widest supported.
    public static var current: KernelInstructionSet { KernelInstructionSet(nc_isa_current()) }

    /// The sets this CPU can run.
    public static var supported: [KernelInstructionSet] { allCases.filter(\.isSupported) }

    /// Whether this CPU (and its OS) can run this set's kernels.
    public var isSupported: Bool { nc_isa_supported(cValue) != 0 }

    private init(_ value: NCInstructionSet) {
        switch value {
        case NCInstructionSetAVX2: self = .avx2
        case NCInstructionSetAVX512: self = .avx512
        case NCInstructionSetNEON: self = .neon
        default: self = .generic
        }
    }

    fileprivate var cValue: NCInstructionSet {
        switch self {
        case .generic: NCInstructionSetGeneric
        case .avx2: NCInstructionSetAVX2
        case .avx512: NCInstructionSetAVX512
        case .neon: NCInstructionSetNEON
        }
    }
}

/// The kernels of one instruction set, resolved once per worker (a plain function pointer per kernel: no lookup
/// per call).
struct Kernels {
    let instructionSet: KernelInstructionSet
    /// See `nc_position_plane_kernel` in CKernels.h.
    let positionPlaneTile64: NCPositionPlaneKernel
    /// See `nc_packed_position_plane_kernel` in CKernels.h; nil where the instruction set has none.
    let packedPositionPlaneTile64: NCPackedPositionPlaneKernel?
    /// See `nc_transpose_kernel` in CKernels.h; called through `transpose(_:positions:channels:into:)`.
    private let transposeKernel: NCTransposeKernel
    /// See `nc_group_scatter_kernel` in CKernels.h.
    let groupScatter: NCGroupScatterKernel
    /// See `nc_group_drain_kernel` in CKernels.h.
    let groupDrain: NCGroupDrainKernel
    /// See `nc_scaled_row_kernel` in CKernels.h.
    let scaledRow: NCScaledRowKernel
    /// See `nc_integrate_and_fire_kernel` in CKernels.h; called through `integrateAndFire(_:potential:input:count:spikes:)`.
    private let integrateAndFireKernel: NCIntegrateAndFireKernel
    /// See `nc_group_drain_fire_kernel` in CKernels.h.
    let groupDrainFire: NCGroupDrainFireKernel
    /// See `nc_group_gather_kernel` in CKernels.h.
    let groupGather: NCGroupGatherKernel
    /// See `nc_integrate_and_fire_channels_last_kernel` in CKernels.h; called through
    /// `integrateAndFire(_:potential:channelsLastInput:positions:channels:spikes:masks:)`.
    private let channelsLastIntegrateAndFireKernel: NCChannelsLastIntegrateAndFireKernel
    /// See `nc_group_gather_values_kernel` in CKernels.h.
    let groupGatherValues: NCGroupGatherValuesKernel

    /// See `nc_group_drain_fire_whole_kernel` in CKernels.h.
    let groupDrainFireWhole: NCGroupDrainFireKernel
    /// See `nc_group_gather_fire_kernel` in CKernels.h.
    let groupGatherFire: NCGroupGatherFireKernel
    /// See `nc_group_gather_values_fire_kernel` in CKernels.h.
    let groupGatherValuesFire: NCGroupGatherValuesFireKernel
    /// See `nc_integrate_and_fire_steps_kernel` in CKernels.h.
    let integrateAndFireSteps: NCIntegrateAndFireStepsKernel

    /// `set`'s kernels, or the process's choice when nil or when the CPU cannot run `set`.
    init(_ set: KernelInstructionSet?) {
        let chosen = set.flatMap { $0.isSupported ? $0 : nil } ?? .current
        instructionSet = chosen
        positionPlaneTile64 = nc_position_plane_kernel(chosen.cValue)!
        packedPositionPlaneTile64 = nc_packed_position_plane_kernel(chosen.cValue)
        transposeKernel = nc_transpose_kernel(chosen.cValue)!
        integrateAndFireKernel = nc_integrate_and_fire_kernel(chosen.cValue)!
        groupScatter = nc_group_scatter_kernel(chosen.cValue)!
        groupDrain = nc_group_drain_kernel(chosen.cValue)!
        scaledRow = nc_scaled_row_kernel(chosen.cValue)!
        groupDrainFire = nc_group_drain_fire_kernel(chosen.cValue)!
        groupGather = nc_group_gather_kernel(chosen.cValue)!
        channelsLastIntegrateAndFireKernel = nc_integrate_and_fire_channels_last_kernel(chosen.cValue)!
        groupDrainFireWhole = nc_group_drain_fire_whole_kernel(chosen.cValue)!
        groupGatherValues = nc_group_gather_values_kernel(chosen.cValue)!
        groupGatherFire = nc_group_gather_fire_kernel(chosen.cValue)!
        groupGatherValuesFire = nc_group_gather_values_fire_kernel(chosen.cValue)!
        integrateAndFireSteps = nc_integrate_and_fire_steps_kernel(chosen.cValue)!
    }

    /// (positions, channels) → (channels, positions): a dense convolution's channels-last output to (C, H, W).
    @inline(__always)
    func transpose(_ source: UnsafePointer<Float>, positions: Int, channels: Int, into destination: UnsafeMutablePointer<Float>) {
        transposeKernel(source, Int64(positions), Int64(channels), destination)
    }

    /// One step of `count` plain IF neurons (see `IntegrateAndFireParameters`): updates `potential`, lists the
    /// neurons that fire in `spikes` (ascending; its previous contents are replaced) and returns the number of
    /// neurons whose input was not zero.
    @inline(__always)
    func integrateAndFire(_ parameters: IntegrateAndFireParameters, potential: UnsafeMutablePointer<Float>,
                          input: UnsafePointer<Float>, count: Int, spikes: SpikeList) -> Int {
        precondition(spikes.capacity >= count + SpikeList.slack, "a spike list too small for the population")
        var c = parameters.cValue
        var active: Int64 = 0
        spikes.count = Int(integrateAndFireKernel(&c, potential, input, Int64(count), spikes.indices, &active))
        return Int(active)
    }

    /// `integrateAndFire` of the `channels · positions` neurons of a (C, H, W) population whose input is a dense
    /// convolution's channels-last (positions, channels) output: the same bits as `transpose` followed by
    /// `integrateAndFire`, in one pass (the transposed input is never written). `masks` is scratch of at least
    /// `channelsLastMaskCount(positions:)` values, owned by the caller so that no step allocates.
    @inline(__always)
    func integrateAndFire(_ parameters: IntegrateAndFireParameters, potential: UnsafeMutablePointer<Float>,
                          channelsLastInput input: UnsafePointer<Float>, positions: Int, channels: Int,
                          spikes: SpikeList, masks: UnsafeMutableBufferPointer<UInt16>) -> Int {
        precondition(spikes.capacity >= positions * channels + SpikeList.slack, "a spike list too small for the population")
        precondition(masks.count >= Self.channelsLastMaskCount(positions: positions), "channels-last scratch too small")
        var c = parameters.cValue
        var active: Int64 = 0
        spikes.count = Int(channelsLastIntegrateAndFireKernel(&c, potential, input, Int64(positions), Int64(channels),
                                                              spikes.indices, &active, masks.baseAddress))
        return Int(active)
    }

    /// The scratch the channels-last IF step needs for planes of `positions`: one 16-bit firing mask per block of 16
    /// positions, for a tile of 16 channels.
    static func channelsLastMaskCount(positions: Int) -> Int { 16 * ((positions + 15) / 16) }
}

/// A plain IF population's parameters as the kernel reads them: per-neuron arrays, or nil where every neuron
/// shares one value (fewer streams through memory per neuron and step).
struct IntegrateAndFireParameters {
    /// r per neuron, nil when every r is 1.
    var gain: UnsafePointer<Float>?
    /// θ per neuron, nil for `sharedThreshold`.
    var threshold: UnsafePointer<Float>?
    /// v_reset per neuron, nil for `sharedReset` (reset to a value only).
    var resetValue: UnsafePointer<Float>?
    var sharedThreshold: Float = 0
    var sharedReset: Float = 0
    /// Reset by subtracting θ, else to v_reset.
    var subtract: Bool
    /// Fire when v > θ, else when v ≥ θ.
    var strict: Bool

    /// The kernels' form.
    var cValue: NCIntegrateAndFireParameters {
        NCIntegrateAndFireParameters(gain: gain, threshold: threshold, resetValue: resetValue, sharedThreshold: sharedThreshold,
                                     sharedReset: sharedReset, subtract: subtract ? 1 : 0, strict: strict ? 1 : 0)
    }
}
