import HardwareProfiles

/// One placed layer as the tiling search sees it: its shape, the connections into it grouped by source, the
/// fan-in each convolution gives each neuron, and how many cores each of its neurons sends to (fixed by the layers
/// it feeds, which are tiled first).
struct LayerFit {
    let name: String
    /// (C, H, W) for a layer fed by a convolution, else (N, 1, 1).
    let channels: Int, height: Int, width: Int
    let boxTiled: Bool
    let incoming: [[Connection]]
    /// Per incoming group: its geometry when the group is one convolution whose routing keeps channels apart (the
    /// condition for population axons), used to count input axons per channel rather than per source neuron.
    let channelGeometries: [PopulationGeometry?]
    /// Per incoming group: its population-axon geometry when the group is one convolution that can use population
    /// axons on a chip that has them (nil otherwise).
    let populations: [PopulationGeometry?]
    /// Per convolution connection: its group in `incoming` and the fan-in of each neuron.
    let convolutionFanIns: [(group: Int, fanIn: [Int32])]
    /// Output axons per neuron towards consumers reached by discrete axons (one per destination core).
    var destinationsPerNeuron: [Int32]
    /// Consumers reached by population axons (output slots per source position and destination core).
    var populationFeeds: [PopulationFeed] = []
    /// Whether the groups that can use population axons do in this evaluation.
    var usesPopulationAxons = false

    var canUsePopulationAxons: Bool { populations.contains { $0 != nil } }

    /// The population geometry group `group` uses in this evaluation, if any.
    func population(ofGroup group: Int) -> PopulationGeometry? { usesPopulationAxons ? populations[group] : nil }

    /// What one tiling needs per core.
    struct Needs {
        var neurons: [Int]
        var memoryBits: [Int]
        var inputAxons: [Int]
        var outputAxons: [Int]
        var reaches: [AxonReach]
    }

    func tiling(chunk: Int, tileHeight: Int, tileWidth: Int) -> LayerTiling {
        LayerTiling(channels: channels, height: height, width: width, chunk: chunk, tileHeight: tileHeight, tileWidth: tileWidth)
    }

    /// Cheap needs first (neurons, output axons, shared kernels); axons and matrix lists only when `full`, and each
    /// group's `AxonReach` (what the mapper routes spikes with) only when `withReaches` too: population input axons
    /// are counted per position without it. `weightSets` keeps population weight sets per spatial tile between
    /// calls (they do not depend on the channel chunk).
    func needs(_ tiling: LayerTiling, memory: SynapseMemory, limits: CoreLimits, full: Bool, withReaches: Bool = true,
               weightSets: WeightSetCache? = nil) -> Needs {
        let cores = tiling.coreCount
        let coreOf = tiling.coreOfNeurons()
        var neurons = [Int](repeating: 0, count: cores)
        var outputAxons = [Int](repeating: 0, count: cores)
        for neuron in 0..<coreOf.count {
            neurons[Int(coreOf[neuron])] += 1
            outputAxons[Int(coreOf[neuron])] += Int(destinationsPerNeuron[neuron])
        }
        for feed in populationFeeds {
            feed.addOutputAxons(sourceCore: { Int(coreOf[$0]) }, into: &outputAxons)
        }
        var memoryBits = [Int](repeating: 0, count: cores)
        // Shared kernels: each output channel's kernel once per core that holds the channel, as long as the longest
        // list any of the core's neurons of that channel needs. On population axons: one weight set per target
        // pattern instead.
        let plane = height * width
        for (group, fanIn) in convolutionFanIns {
            if let geometry = population(ofGroup: group) {
                let span = limits.populationAxons?.compartmentBaseSpan
                let sets = weightSets?.sets(group: group, geometry: geometry, tiling: tiling, compartmentBaseSpan: span)
                    ?? geometry.weightSets(tiling: tiling, compartmentBaseSpan: span)
                let bits = geometry.memoryBits(sets, tiling: tiling, memory: memory)
                for core in 0..<cores { memoryBits[core] += bits[core] }
                continue
            }
            var longest = [Int32](repeating: 0, count: cores * tiling.chunk)
            for neuron in 0..<coreOf.count {
                let slot = Int(coreOf[neuron]) * tiling.chunk + (neuron / plane) % tiling.chunk
                longest[slot] = max(longest[slot], fanIn[neuron])
            }
            for slot in 0..<longest.count where longest[slot] > 0 {
                memoryBits[slot / tiling.chunk] += memory.listBits(synapses: Int(longest[slot]), targets: neurons[slot / tiling.chunk])
            }
        }
        var inputAxons = [Int](repeating: 0, count: cores)
        var reaches: [AxonReach] = []
        if full {
            for (index, group) in incoming.enumerated() {
                if let geometry = channelGeometries[index] {
                    // One convolution (no matrix lists): input axons counted per channel and position, or per position
                    // on population axons, without walking source neurons.
                    let axons = population(ofGroup: index) != nil ? geometry.inputAxons(tiling: tiling) : geometry.discreteInputAxons(tiling: tiling)
                    for core in 0..<cores { inputAxons[core] += axons[core] }
                    if withReaches {
                        reaches.append(AxonReach(connections: group, tiling: tiling, coreOf: coreOf, neuronsOnCore: neurons, memory: memory))
                    }
                    continue
                }
                let reach = AxonReach(connections: group, tiling: tiling, coreOf: coreOf, neuronsOnCore: neurons, memory: memory)
                for core in 0..<cores {
                    inputAxons[core] += reach.inputAxons[core]
                    memoryBits[core] += reach.matrixMemoryBits[core]
                }
                if withReaches { reaches.append(reach) }
            }
            if memory.encoding == .crossbar {
                for core in 0..<cores { memoryBits[core] = inputAxons[core] * neurons[core] }
            }
        }
        return Needs(neurons: neurons, memoryBits: memoryBits, inputAxons: inputAxons, outputAxons: outputAxons, reaches: reaches)
    }

    /// The first limit a tiling's needs break, with the worst value (nil when every core fits). Axons before memory:
    /// a crossbar's memory follows from its axons.
    static func broken(_ needs: Needs, limits: CoreLimits, full: Bool) -> (limit: String, value: Int, allowed: Int)? {
        if let allowed = limits.neuronsPerCore, let worst = needs.neurons.max(), worst > allowed { return ("neurons", worst, allowed) }
        if let allowed = limits.outputAxonsPerCore, let worst = needs.outputAxons.max(), worst > allowed {
            return ("output axons per core", worst, allowed)
        }
        if full, let allowed = limits.inputAxonsPerCore, let worst = needs.inputAxons.max(), worst > allowed {
            return ("input axons per core", worst, allowed)
        }
        if let allowed = limits.synapticMemoryBytesPerCore, let worst = needs.memoryBits.max(), (worst + 7) / 8 > allowed {
            return ("synaptic memory", (worst + 7) / 8, allowed)
        }
        return nil
    }
}
