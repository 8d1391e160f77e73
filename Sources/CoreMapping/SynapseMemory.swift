import CostAnalysis
import HardwareProfiles

/// Bits of synaptic memory one synapse list needs under a core's synapse encoding. A list is the synapses one input
/// axon reaches on a core (or, for a convolution's shared kernel, one output channel's kernel, stored once per core).
struct SynapseMemory: Sendable {
    let encoding: SynapseEncoding
    let weightBits: Int

    /// Loihi: target-index widths a synapse format can use (nengo-loihi `SynapseConfig.INDEX_BITS_MAP`).
    static let loihiIndexBits = [0, 6, 7, 8, 9, 10, 11, 12]
    /// Loihi: weight widths a synapse format can use (`WEIGHT_BITS_MAP`).
    static let loihiWeightBits = [0, 1, 2, 3, 4, 5, 6, 8]
    /// Loihi: a list is stored in groups of at most 64 synapses (a 6-bit synapse count), each group with a 4-bit
    /// format index and the 6-bit count, rounded up to a 64-bit word (nengo-loihi `bits_per_axon`).
    static let loihiGroupSynapses = 64
    static let loihiGroupHeaderBits = 4 + 6
    static let loihiWordBits = 64

    /// Bits for a list of `synapses` synapses onto a core that holds `targets` neurons of the layer.
    func listBits(synapses: Int, targets: Int) -> Int {
        guard synapses > 0 else { return 0 }
        switch encoding {
        case .generic:
            return synapses * (weightBits + 8 * WeightStorageFootprint.indexBytes(toHold: max(targets - 1, 0)))
        case .crossbar:
            return 0  // the crossbar's bits are counted per core: input axons × neurons
        case .loihi:
            let weight = Self.loihiWeightBits.first { $0 >= weightBits } ?? Self.loihiWeightBits.last!
            let needed = targets <= 1 ? 0 : Int.bitWidth - (targets - 1).leadingZeroBitCount
            let index = Self.loihiIndexBits.first { $0 >= needed } ?? Self.loihiIndexBits.last!
            let sparse = Self.loihiListBits(count: synapses, bitsPerSynapse: weight + index)
            // Dense: one weight for every neuron of the layer on the core, no index.
            let dense = Self.loihiListBits(count: targets, bitsPerSynapse: weight)
            return min(sparse, dense)
        }
    }

    /// Bits for one population weight set of `count` synapses whose target indices run up to `maxIndex`: always the
    /// sparse format with indices (nengo-loihi `Synapse.set_population_weights`: compression 0), no dense alternative.
    func populationListBits(count: Int, maxIndex: Int) -> Int {
        guard count > 0 else { return 0 }
        switch encoding {
        case .generic:
            return count * (weightBits + 8 * WeightStorageFootprint.indexBytes(toHold: max(maxIndex, 0)))
        case .crossbar:
            return 0
        case .loihi:
            let weight = Self.loihiWeightBits.first { $0 >= weightBits } ?? Self.loihiWeightBits.last!
            let needed = maxIndex <= 0 ? 0 : Int.bitWidth - maxIndex.leadingZeroBitCount
            let index = Self.loihiIndexBits.first { $0 >= needed } ?? Self.loihiIndexBits.last!
            return Self.loihiListBits(count: count, bitsPerSynapse: weight + index)
        }
    }

    static func loihiListBits(count: Int, bitsPerSynapse: Int) -> Int {
        // Full groups of 64, then the rest: in closed form, as population weight sets run to 10⁵ synapses.
        func groupBits(_ synapses: Int) -> Int {
            (synapses * bitsPerSynapse + loihiGroupHeaderBits + loihiWordBits - 1) / loihiWordBits * loihiWordBits
        }
        let rest = count % loihiGroupSynapses
        return count / loihiGroupSynapses * groupBits(loihiGroupSynapses) + (rest > 0 ? groupBits(rest) : 0)
    }
}

