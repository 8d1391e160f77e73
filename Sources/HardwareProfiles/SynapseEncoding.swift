/// How a core stores its synapses, which sets the synaptic memory a mapping needs (`cores.synapse_encoding`).
public enum SynapseEncoding: String, Sendable, Equatable, CaseIterable {
    /// Each synapse as its weight (the profile's weight precision) plus a whole-byte index of its target on the core.
    case generic
    /// Loihi's synapse lists: one list per input axon, in groups of at most 64 synapses, each group a 4-bit format
    /// index and a 6-bit synapse count followed by its synapses, rounded up to 64-bit words of synaptic memory;
    /// sparse synapses carry a target index of 6–12 bits, dense ones none (a weight for every compartment in range).
    case loihi
    /// A binary crossbar: one bit per (input axon, neuron) pair of the core (TrueNorth).
    case crossbar
}
