/// One core's load after mapping.
public struct CoreLoad: Sendable, Equatable {
    public let core: Int
    public let node: String
    public let neurons: Int
    /// Synaptic memory the core's neurons need under the profile's synapse encoding: one list per input axon for
    /// matrix synapses, a convolution's kernel once per output channel on the core.
    public let synapticBytes: Int
    /// Fraction of the core's neuron slots used (nil when the profile has no such limit).
    public let neuronUtilisation: Double?
    /// Fraction of the core's synaptic memory used (nil when the profile has no such limit).
    public let memoryUtilisation: Double?
    /// What kept the core's layer from fewer, fuller cores: `neurons`, `synaptic memory`, `input axons per core`,
    /// `output axons per core`, or `end of node` (the layer fits one core).
    public let boundBy: String
    /// Distinct (source neuron, this core) pairs: the input axons the core needs.
    public internal(set) var inputAxons: Int = 0
    /// (neuron of this core, destination core) pairs: the output axons the core needs.
    public internal(set) var outputAxons: Int = 0
}

/// A limit a neuron breaks, so that the network cannot run on the chip as it is.
public struct MappingViolation: Sendable, Equatable {
    public let node: String
    public let neuron: Int
    public let limit: String
    public let value: Int
    public let allowed: Int
    /// Where: the worst neuron or core, and how many break the limit.
    public var detail: String = ""
}

/// Where a network's spiking neurons go on a neuromorphic profile's cores, and what routing costs.
public struct MappingReport: Sendable {
    public let profile: String
    public let cores: [CoreLoad]
    /// Cores on one chip (the profile's cores per chip, else its core count).
    public let coresPerChip: Int
    public var coresUsed: Int { cores.count }
    public var chipsNeeded: Int { (coresUsed + coresPerChip - 1) / max(coresPerChip, 1) }
    public var fitsOneChip: Bool { coresUsed <= coresPerChip && mappable }
    public let violations: [MappingViolation]
    /// Rules of the chip the network breaks as a whole (a weight format it cannot hold), each with why.
    public let unmappableReasons: [String]
    /// True when no limit is broken and no rule stops the network: it runs on the chip as it stands.
    public var mappable: Bool { violations.isEmpty && unmappableReasons.isEmpty }
    /// Why not, in one line (empty when mappable).
    public var unmappableReason: String {
        (unmappableReasons + violations.map { "\($0.node): \($0.limit) \($0.value) > \($0.allowed) (\($0.detail))" })
            .joined(separator: "; ")
    }
    /// The cores each spiking layer occupies, by layer name.
    public var coresPerLayer: [String: [Int]] { Dictionary(grouping: cores, by: \.node).mapValues { $0.map(\.core) } }
    /// Router hops over the run on each chip's mesh, per spiking node (nil without a mesh or without per-neuron spike
    /// counts). Spikes to another chip are not in it: they are counted in `chipCrossingsPerNode`.
    public let hopsPerNode: [String: Int]?
    /// Chip boundaries crossed by spikes over the run, per spiking node (one per boundary a spike crosses; nil
    /// without per-neuron spike counts).
    public internal(set) var chipCrossingsPerNode: [String: Int]? = nil
    /// Where each placed layer went: its tiling and its first core (its cores are consecutive from there).
    public internal(set) var placements: [String: LayerPlacement] = [:]
    /// Placed layers in network order.
    public internal(set) var layerOrder: [String] = []
    /// Layers whose convolution inputs arrive on population axons (one axon per source position and core).
    public internal(set) var populationAxonLayers: [String] = []
    /// Cores a version of the network trained for a crossbar chip would need (nil unless the chip has a crossbar).
    public internal(set) var trainedCoreEstimate: Int? = nil
    /// Cores holding neurons that the network's input reaches directly: where a host-driven chip injects the input
    /// spikes (NengoLoihi sends one message per input spike and destination core), so the host loop's time grows with
    /// them (`host.input_core_s`). Nil when no placed layer is fed by the input.
    public internal(set) var hostInputCores: Int? = nil
    /// The cores' arrangement on tiles and chips.
    public internal(set) var topology: ChipTopology? = nil
    /// Limits that ended cores, counted.
    public var bindingLimits: [String: Int] {
        Dictionary(grouping: cores, by: \.boundBy).mapValues(\.count)
    }
    public let notes: [String]
}
