/// One core's load after mapping.
public struct CoreLoad: Sendable, Equatable {
    public let core: Int
    public let node: String
    public let neurons: Int
    /// Synaptic memory the core's neurons need: their incoming non-zero weights plus source indices (a convolution's
    /// kernel once per output channel on the core).
    public let synapticBytes: Int
    /// Fraction of the core's neuron slots used (nil when the profile has no such limit).
    public let neuronUtilisation: Double?
    /// Fraction of the core's synaptic memory used (nil when the profile has no such limit).
    public let memoryUtilisation: Double?
    /// What stopped the core from taking more neurons: `neurons`, `synaptic memory` or `end of node`.
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
    /// Router hops over the run, per spiking node (nil without a mesh or without per-neuron spike counts).
    public let hopsPerNode: [String: Int]?
    /// Limits that ended cores, counted.
    public var bindingLimits: [String: Int] {
        Dictionary(grouping: cores, by: \.boundBy).mapValues(\.count)
    }
    public let notes: [String]
}
