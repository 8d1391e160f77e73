import HardwareProfiles
import NetworkModel
import Simulator

/// Maps a network onto a neuromorphic profile's cores: every neuron population and the readout (a weighted node
/// feeding the Output) gets cores; each layer is tiled so that its cores meet the chip's limits (`TilingSearch`);
/// fan-in, kernels, axons and destination cores are counted per channel and tap or per weight column
/// (`AxonReach`, `Connection`), never per synapse; spikes are routed on the tile mesh of each chip, and spikes to
/// another chip are counted per chip boundary they cross (`ChipTopology`).
public enum CoreMapper {
    /// - Parameter spikesPerNeuron: per node index, each neuron's spikes over the run (for hops and chip crossings).
    public static func map(plan: SimulationPlan, profile: HardwareProfile,
                           spikesPerNeuron: [Int: [Int]]? = nil) throws(MappingError) -> MappingReport {
        guard let limits = profile.cores else {
            throw MappingError(profile: profile.name, message: "the profile has no cores to map onto")
        }
        let network = plan.network
        let memory = SynapseMemory(encoding: limits.synapseEncoding, weightBits: profile.weightPrecision.bits)
        let placed = ConnectionFinder.placedNodes(of: network)
        let placedSet = Set(placed)
        let sources = [plan.inputNode] + network.nodes.indices.filter { network.nodes[$0].kind.emitsSpikes && $0 != plan.inputNode }
        let connections: [Connection]
        do {
            connections = try ConnectionFinder.connections(network: network, sources: sources, placed: placedSet)
        } catch {
            throw MappingError(profile: profile.name, message: error.message)
        }
        let position = Dictionary(uniqueKeysWithValues: placed.enumerated().map { ($1, $0) })

        // Each layer's view for the search: its incoming connections by source, its convolutions' fan-in per neuron.
        var fits: [LayerFit] = []
        var totalFanIn: [[Int32]] = []
        for node in placed {
            let shape = network.outputShapes[node]
            let count = shape.reduce(1, *)
            let incoming = connections.filter { $0.target == node }
            // A layer fed by a convolution is tiled as the convolution's (C, H, W) output, whatever Flatten did to its
            // shape on the way (element order is kept).
            let boxes = Set(incoming.compactMap { connection -> [Int]? in
                guard case .convolution(let g) = connection.synapses else { return nil }
                return [g.outputChannels, g.outputHeight, g.outputWidth]
            })
            guard boxes.count <= 1 else {
                throw MappingError(profile: profile.name, message: "\(network.nodes[node].name) is fed by convolutions of different output shapes; the mapper cannot tile it")
            }
            let boxTiled = boxes.count == 1
            let (c, h, w) = boxes.first.map { ($0[0], $0[1], $0[2]) } ?? (count, 1, 1)
            let groups = Dictionary(grouping: incoming, by: \.source).sorted { $0.key < $1.key }.map(\.value)
            var fanIn = [Int32](repeating: 0, count: count)
            var convolutionFanIns: [(group: Int, fanIn: [Int32])] = []
            for (group, connections) in groups.enumerated() {
                for connection in connections {
                    let part = connection.fanIn(targetCount: count)
                    for neuron in 0..<count { fanIn[neuron] += part[neuron] }
                    if connection.isConvolution { convolutionFanIns.append((group, part)) }
                }
            }
            // A group that is a single convolution whose routing keeps channels apart: its input axons are counted per
            // channel and position, and on a chip with population axons it can use them.
            let channelGeometries = groups.map { connections -> PopulationGeometry? in
                guard connections.count == 1 else { return nil }
                return PopulationGeometry(connections[0], sourceShape: network.outputShapes[connections[0].source])
            }
            let populations = limits.populationAxons == nil ? channelGeometries.map { _ in nil } : channelGeometries
            totalFanIn.append(fanIn)
            fits.append(LayerFit(name: network.nodes[node].name, channels: c, height: h, width: w, boxTiled: boxTiled,
                                 incoming: groups, channelGeometries: channelGeometries, populations: populations,
                                 convolutionFanIns: convolutionFanIns,
                                 destinationsPerNeuron: [Int32](repeating: 0, count: count)))
        }

        // Tile from the last layer back: a layer's output axons depend on the tiling of the layers it feeds.
        let search = TilingSearch(limits: limits, memory: memory)
        var choices = [TilingSearch.Choice?](repeating: nil, count: placed.count)
        var notes: [String] = []
        for index in placed.indices.reversed() {
            let node = placed[index]
            var destinations = [Int32](repeating: 0, count: fits[index].destinationsPerNeuron.count)
            for consumer in placed.indices where consumer > index {
                guard let choice = choices[consumer],
                      let group = fits[consumer].incoming.firstIndex(where: { $0[0].source == node }) else { continue }
                let reach = choice.needs.reaches[group]
                if choice.usesPopulationAxons, let geometry = fits[consumer].populations[group], let axons = limits.populationAxons {
                    fits[index].populationFeeds.append(PopulationFeed(reach: reach, geometry: geometry, slots: axons.outputSlotsPerAxon))
                    continue
                }
                for neuron in destinations.indices { destinations[neuron] += Int32(reach.destinationCount(of: neuron)) }
            }
            if placed.indices.contains(where: { $0 <= index && fits[$0].incoming.contains { $0[0].source == node } }) {
                notes.append("\(fits[index].name) feeds itself or an earlier layer: those output axons are checked after tiling, not during it")
            }
            fits[index].destinationsPerNeuron = destinations
            choices[index] = search.choose(fits[index])
        }
        let chosen = choices.map { $0! }

        // Number the cores layer by layer in network order.
        var firstCore: [Int] = []
        var total = 0
        for choice in chosen { firstCore.append(total); total += choice.tiling.coreCount }
        let topology = ChipTopology(limits)
        var inputAxons = [Int](repeating: 0, count: total)
        var outputAxons = [Int](repeating: 0, count: total)
        var cores: [CoreLoad] = []
        for (index, choice) in chosen.enumerated() {
            for local in 0..<choice.tiling.coreCount {
                let bytes = (choice.needs.memoryBits[local] + 7) / 8
                let neurons = choice.needs.neurons[local]
                inputAxons[firstCore[index] + local] = choice.needs.inputAxons[local]
                cores.append(CoreLoad(core: cores.count, node: fits[index].name, neurons: neurons, synapticBytes: bytes,
                                      neuronUtilisation: limits.neuronsPerCore.map { Double(neurons) / Double($0) },
                                      memoryUtilisation: limits.synapticMemoryBytesPerCore.map { Double(bytes) / Double($0) },
                                      boundBy: choice.boundBy))
            }
        }

        // Every source neuron's destination cores: output axons, destination cores per neuron, hops and crossings.
        let counted = spikesPerNeuron != nil
        var hopTotals: [String: Int] = [:]
        var crossingTotals: [String: Int] = [:]
        var violations: [MappingViolation] = []
        for source in sources {
            let home = position[source]
            let count = network.outputShapes[source].reduce(1, *)
            var reaches: [(offset: Int, reach: AxonReach, population: PopulationGeometry?)] = []
            for (index, fit) in fits.enumerated() {
                guard let group = fit.incoming.firstIndex(where: { $0[0].source == source }) else { continue }
                reaches.append((firstCore[index], chosen[index].needs.reaches[group],
                                chosen[index].usesPopulationAxons ? fit.populations[group] : nil))
            }
            let spikes = spikesPerNeuron?[source]
            var hops = 0, crossings = 0
            var worst = (neuron: 0, cores: 0), over = 0
            for neuron in 0..<count {
                var destinationCount = 0, discreteAxons = 0
                let from = home.map { firstCore[$0] + chosen[$0].tiling.core(ofNeuron: neuron) }
                let fired = spikes.map { neuron < $0.count ? $0[neuron] : 0 } ?? 0
                for (offset, reach, population) in reaches {
                    destinationCount += reach.destinationCount(of: neuron)
                    if population == nil, from != nil { discreteAxons += reach.destinationCount(of: neuron) }
                    guard let from, fired > 0 else { continue }
                    reach.forEachDestination(of: neuron) { local in
                        let route = topology.route(from: from, to: offset + local)
                        hops += route.hops * fired
                        crossings += route.chipCrossings * fired
                    }
                }
                guard let from else { continue }
                outputAxons[from] += discreteAxons
                if let limit = limits.destinationCoresPerNeuron, destinationCount > limit {
                    over += 1
                    if destinationCount > worst.cores { worst = (neuron, destinationCount) }
                }
            }
            guard let home else { continue }
            for (_, reach, population) in reaches {
                guard let population, let slots = limits.populationAxons?.outputSlotsPerAxon else { continue }
                population.addOutputAxons(reach, slots: slots, sourceCore: { firstCore[home] + chosen[home].tiling.core(ofNeuron: $0) },
                                          into: &outputAxons)
            }
            let name = network.nodes[source].name
            if counted {
                if limits.meshColumns != nil { hopTotals[name] = hops }
                crossingTotals[name] = crossings
            }
            if over > 0, let limit = limits.destinationCoresPerNeuron {
                violations.append(MappingViolation(node: name, neuron: worst.neuron, limit: "destination cores per neuron",
                                                   value: worst.cores, allowed: limit, detail: "\(over) neurons, worst neuron \(worst.neuron)"))
            }
        }
        for index in cores.indices {
            cores[index].inputAxons = inputAxons[index]
            cores[index].outputAxons = outputAxons[index]
        }

        // Limits per neuron, then per core.
        for (index, fit) in fits.enumerated() {
            if let limit = limits.fanInPerNeuron, let worst = totalFanIn[index].indices.max(by: { totalFanIn[index][$0] < totalFanIn[index][$1] }),
               totalFanIn[index][worst] > limit {
                violations.append(MappingViolation(node: fit.name, neuron: worst, limit: "fan-in", value: Int(totalFanIn[index][worst]), allowed: limit))
            }
        }
        if let limit = limits.fanOutPerNeuron {
            for source in sources where position[source] != nil {
                var fanOut = [Int32](repeating: 0, count: network.outputShapes[source].reduce(1, *))
                for connection in connections where connection.source == source {
                    let part = connection.fanOut()
                    for neuron in fanOut.indices { fanOut[neuron] += part[neuron] }
                }
                if let worst = fanOut.indices.max(by: { fanOut[$0] < fanOut[$1] }), fanOut[worst] > limit {
                    violations.append(MappingViolation(node: network.nodes[source].name, neuron: worst, limit: "fan-out",
                                                       value: Int(fanOut[worst]), allowed: limit))
                }
            }
        }
        let perCoreLimits: [(Int?, (CoreLoad) -> Int, String)] = [
            (limits.synapticMemoryBytesPerCore, \.synapticBytes, "synaptic memory"),
            (limits.inputAxonsPerCore, \.inputAxons, "input axons per core"),
            (limits.outputAxonsPerCore, \.outputAxons, "output axons per core"),
        ]
        for (limit, value, label) in perCoreLimits {
            guard let limit else { continue }
            for (index, fit) in fits.enumerated() {
                let layerCores = cores[firstCore[index]..<(firstCore[index] + chosen[index].tiling.coreCount)]
                let over = layerCores.filter { value($0) > limit }
                guard let worst = over.max(by: { value($0) < value($1) }) else { continue }
                let why = chosen[index].unmeetable.map { ", no tiling meets it: one neuron per core still needs \($0.value) \($0.limit)" } ?? ""
                violations.append(MappingViolation(node: fit.name, neuron: -1, limit: label, value: value(worst), allowed: limit,
                                                   detail: "\(over.count) of its \(layerCores.count) cores, worst core \(worst.core)\(why)"))
            }
        }

        var reasons: [String] = []
        var estimate: Int?
        if let allowed = limits.weightValuesPerNeuron {
            if let reason = CrossbarRules.weightValuesReason(network: network, allowed: allowed) { reasons.append(reason) }
            var layers: [(neurons: Int, worstFanIn: Int, extraCopies: Int)] = []
            // Copies are counted on each consumer's most compact tiling (full cores), not on the tiling chosen for
            // this network's axons, which a trained network's layout would not share.
            let compact = fits.map { fit -> (tiling: LayerTiling, coreOf: [Int32], neurons: [Int])? in
                guard let tiling = search.candidates(fit).first else { return nil }
                let coreOf = tiling.coreOfNeurons()
                var neurons = [Int](repeating: 0, count: tiling.coreCount)
                for core in coreOf { neurons[Int(core)] += 1 }
                return (tiling, coreOf, neurons)
            }
            for (index, fit) in fits.enumerated() {
                var copies = 0
                for consumer in fits.indices where consumer != index {
                    guard let group = fits[consumer].incoming.first(where: { $0[0].source == placed[index] }),
                          let layout = compact[consumer] else { continue }
                    let reach = AxonReach(connections: group, tiling: layout.tiling, coreOf: layout.coreOf, neuronsOnCore: layout.neurons,
                                          memory: memory)
                    for neuron in 0..<fit.destinationsPerNeuron.count { copies += max(reach.destinationCount(of: neuron) - 1, 0) }
                }
                layers.append((totalFanIn[index].count, Int(totalFanIn[index].max() ?? 0), copies))
            }
            estimate = CrossbarRules.trainedCoreEstimate(layers: layers, limits: limits)
            if let estimate, !reasons.isEmpty || !violations.isEmpty {
                notes.append("a version trained for this chip would need about \(estimate) cores (Esser et al. 2016's construction: "
                    + "inputs cut into groups of at most \(limits.inputAxonsPerCore ?? 0) axons per neuron, partial sums added by a "
                    + "second neuron, one neuron copy per extra destination core)")
            }
        }
        let onPopulation = fits.indices.filter { chosen[$0].usesPopulationAxons }.map { fits[$0].name }
        if !onPopulation.isEmpty {
            notes.append("convolutions into \(onPopulation.joined(separator: ", ")) use population axons (one input axon per source "
                + "position and core, one weight set per target pattern)")
        }
        if limits.meshColumns == nil { notes.append("the profile gives no mesh: router hops are not counted") }
        let crossingsTotal = crossingTotals.values.reduce(0, +)
        if counted, crossingsTotal > 0 {
            notes.append("\(crossingsTotal) chip-boundary crossings counted, not priced: no published energy per inter-chip message"
                + (limits.chipMeshColumns == nil ? "; chips taken as a chain (their arrangement is not published)" : ""))
        }
        var report = MappingReport(profile: profile.name, cores: cores, coresPerChip: topology.coresPerChip, violations: violations,
                                   unmappableReasons: reasons, hopsPerNode: counted && limits.meshColumns != nil ? hopTotals : nil,
                                   notes: notes)
        report.chipCrossingsPerNode = counted ? crossingTotals : nil
        report.placements = Dictionary(uniqueKeysWithValues: fits.indices.map {
            (fits[$0].name, LayerPlacement(tiling: chosen[$0].tiling, firstCore: firstCore[$0]))
        })
        report.layerOrder = fits.map(\.name)
        report.populationAxonLayers = fits.indices.filter { chosen[$0].usesPopulationAxons }.map { fits[$0].name }
        report.trainedCoreEstimate = estimate
        report.topology = topology
        let fedByInput = Set(connections.filter { $0.source == plan.inputNode }.map { network.nodes[$0.target].name })
        let inputCores = cores.filter { fedByInput.contains($0.node) }.count
        report.hostInputCores = inputCores > 0 ? inputCores : nil
        return report
    }
}

/// A network that cannot be mapped onto a profile at all.
public struct MappingError: Error, CustomStringConvertible, Sendable {
    public let profile: String
    public let message: String
    public var description: String { "profile '\(profile)': \(message)" }
}
