import CostAnalysis
import HardwareProfiles
import NetworkModel
import Simulator

/// Places every spiking node's neurons, in topological order, on a neuromorphic profile's cores, filling a core
/// until its neuron slots or its synaptic memory run out (each node starts on a fresh core; a population fed by one
/// convolution stores each output channel's kernel once per core that holds the channel), checks per-neuron
/// fan-in and fan-out limits, and counts router hops on the mesh with dimension-ordered (X then Y) routing:
/// a spike travels once to every core that holds one of its targets.
public enum CoreMapper {
    /// - Parameter spikesPerNeuron: per node index, each neuron's spikes over the run (for hop counts).
    public static func map(plan: SimulationPlan, profile: HardwareProfile,
                           spikesPerNeuron: [Int: [Int]]? = nil) throws(MappingError) -> MappingReport {
        guard let limits = profile.cores else {
            throw MappingError(profile: profile.name, message: "the profile has no cores to map onto")
        }
        let network = plan.network
        let spiking = network.nodes.indices.filter { network.nodes[$0].kind.emitsSpikes }
        let weightBits = profile.weightPrecision.bits

        // Incoming synapses per neuron (and the bits to store them), and targets per source neuron.
        var fanIn: [Int: [Int]] = [:]
        var synapticBits: [Int: [Double]] = [:]
        for node in spiking { fanIn[node] = Array(repeating: 0, count: network.outputShapes[node].reduce(1, *)) }
        for node in spiking { synapticBits[node] = Array(repeating: 0, count: network.outputShapes[node].reduce(1, *)) }
        var fanOut: [Int: [Int]] = [:]
        let sources = [plan.inputNode] + spiking
        for source in sources {
            let count = network.outputShapes[source].reduce(1, *)
            let indexBits = Double(WeightStorageFootprint.indexBytes(toHold: max(count - 1, 0)) * 8)
            let targets = plan.synapticTargets(ofNode: source)
            var outDegrees = [Int](repeating: 0, count: count)
            for neuron in 0..<count {
                targets.forEach(neuron: neuron) { node, target in
                    outDegrees[neuron] += 1
                    guard fanIn[node] != nil else { return }
                    fanIn[node]![target] += 1
                    synapticBits[node]![target] += Double(weightBits) + indexBits
                }
            }
            fanOut[source] = outDegrees
        }

        var violations: [MappingViolation] = []
        for node in spiking {
            let name = network.nodes[node].name
            if let limit = limits.fanInPerNeuron, let worst = fanIn[node]!.indices.max(by: { fanIn[node]![$0] < fanIn[node]![$1] }),
               fanIn[node]![worst] > limit {
                violations.append(MappingViolation(node: name, neuron: worst, limit: "fan-in", value: fanIn[node]![worst], allowed: limit))
            }
            if let limit = limits.fanOutPerNeuron, let degrees = fanOut[node], let worst = degrees.indices.max(by: { degrees[$0] < degrees[$1] }),
               degrees[worst] > limit {
                violations.append(MappingViolation(node: name, neuron: worst, limit: "fan-out", value: degrees[worst], allowed: limit))
            }
        }

        // Shared kernels: a population fed by one convolution stores on each core the kernels of the output channels
        // it holds, once per channel (as NengoLoihi and NxTF map convolutions), not one copy per output position.
        var sharedKernels: [Int: (positions: Int, bits: [Double])] = [:]
        for node in spiking {
            let producers = network.nearestWorkingNodes(from: node, forward: false)
            guard producers.count == 1, let producer = producers.first, case .convolution(let conv) = network.nodes[producer].kind else { continue }
            let weight = conv.weight
            let channels = weight.shape.first ?? 0
            let elements = network.outputShapes[node].reduce(1, *)
            guard channels > 0, elements % channels == 0, network.outputShapes[producer].reduce(1, *) == elements else { continue }
            let perChannel = weight.count / channels
            let indexBits = Double(WeightStorageFootprint.indexBytes(toHold: max(perChannel - 1, 0)) * 8)
            var bits = [Double](repeating: 0, count: channels)
            for channel in 0..<channels {
                var nonZeros = 0
                for index in (channel * perChannel)..<((channel + 1) * perChannel) where weight.value(at: index) != 0 { nonZeros += 1 }
                bits[channel] = Double(nonZeros) * (Double(weightBits) + indexBits)
            }
            sharedKernels[node] = (elements / channels, bits)
        }

        // Greedy packing.
        var cores: [CoreLoad] = []
        var coreOf: [Int: [Int]] = [:]
        for node in spiking {
            let name = network.nodes[node].name
            let bits = synapticBits[node]!
            let shared = sharedKernels[node]
            var assignment = [Int](repeating: 0, count: bits.count)
            var neuron = 0
            while neuron < bits.count {
                var neurons = 0
                var bytes = 0.0
                var boundBy = "end of node"
                var channelsHere = Set<Int>()
                while neuron < bits.count {
                    let channel = shared.map { neuron / $0.positions }
                    let extra = shared.map { channelsHere.contains(channel!) ? 0 : $0.bits[channel!] / 8 } ?? bits[neuron] / 8
                    if let slots = limits.neuronsPerCore, neurons == slots { boundBy = "neurons"; break }
                    if let memory = limits.synapticMemoryBytesPerCore, (bytes + extra).rounded(.up) > Double(memory) {
                        if neurons == 0 {
                            violations.append(MappingViolation(node: name, neuron: neuron, limit: "synaptic memory",
                                                               value: Int(extra.rounded(.up)), allowed: memory))
                            // Give the oversized neuron a core of its own so mapping can go on and report everything.
                            neurons = 1
                            bytes = extra
                            assignment[neuron] = cores.count
                            if let channel { channelsHere.insert(channel) }
                            neuron += 1
                        }
                        boundBy = "synaptic memory"
                        break
                    }
                    assignment[neuron] = cores.count
                    if let channel { channelsHere.insert(channel) }
                    neurons += 1
                    bytes += extra
                    neuron += 1
                }
                let roundedBytes = Int(bytes.rounded(.up))
                cores.append(CoreLoad(core: cores.count, node: name, neurons: neurons, synapticBytes: roundedBytes,
                                      neuronUtilisation: limits.neuronsPerCore.map { Double(neurons) / Double($0) },
                                      memoryUtilisation: limits.synapticMemoryBytesPerCore.map { Double(roundedBytes) / Double($0) },
                                      boundBy: boundBy))
            }
            coreOf[node] = assignment
        }

        let coresPerChip = limits.coresPerChip ?? limits.count
        var notes: [String] = []
        let columns = limits.meshColumns
        if columns == nil { notes.append("the profile gives no mesh: router hops are not counted") }
        func position(_ core: Int) -> (Int, Int) {
            let local = core % coresPerChip
            return (local % columns!, local / columns!)
        }

        // One pass over every source neuron: the cores its spike reaches give the axons (one input axon on each
        // destination core, one output axon per destination core on the source's core) and, with spike counts and a
        // mesh, the router hops. A stamp per core counts each destination core once per source neuron.
        var hopTotals: [String: Int] = [:]
        var stamp = [Int](repeating: -1, count: cores.count)
        var stampBase = 0
        var inputAxons = [Int](repeating: 0, count: cores.count)
        var outputAxons = [Int](repeating: 0, count: cores.count)
        var destinationWorst: [Int: (neuron: Int, cores: Int, over: Int)] = [:]
        for source in sources {
            let count = network.outputShapes[source].reduce(1, *)
            let targets = plan.synapticTargets(ofNode: source)
            let spikes = spikesPerNeuron?[source]
            let home = coreOf[source]
            var hops = 0
            var destinations: [Int] = []
            for neuron in 0..<count {
                destinations.removeAll(keepingCapacity: true)
                let mark = stampBase + neuron
                targets.forEach(neuron: neuron) { node, element in
                    guard let assignment = coreOf[node] else { return }
                    let core = assignment[element]
                    if stamp[core] != mark { stamp[core] = mark; destinations.append(core) }
                }
                for core in destinations { inputAxons[core] += 1 }
                if let home {
                    outputAxons[home[neuron]] += destinations.count
                    if let limit = limits.destinationCoresPerNeuron, destinations.count > limit {
                        var worst = destinationWorst[source] ?? (neuron, destinations.count, 0)
                        if destinations.count > worst.cores { (worst.neuron, worst.cores) = (neuron, destinations.count) }
                        worst.over += 1
                        destinationWorst[source] = worst
                    }
                    if columns != nil, let spikes, neuron < spikes.count, spikes[neuron] > 0 {
                        let (x, y) = position(home[neuron])
                        var distance = 0
                        for core in destinations {
                            let (tx, ty) = position(core)
                            distance += abs(tx - x) + abs(ty - y)
                        }
                        hops += distance * spikes[neuron]
                    }
                }
            }
            stampBase += count
            if home != nil, columns != nil, spikesPerNeuron != nil { hopTotals[network.nodes[source].name] = hops }
        }
        for index in cores.indices {
            cores[index].inputAxons = inputAxons[index]
            cores[index].outputAxons = outputAxons[index]
        }
        for (limit, value, label) in [(limits.inputAxonsPerCore, inputAxons, "input axons per core"),
                                      (limits.outputAxonsPerCore, outputAxons, "output axons per core")] {
            guard let limit else { continue }
            for (node, nodeCores) in Dictionary(grouping: cores.indices, by: { cores[$0].node }).sorted(by: { $0.key < $1.key }) {
                let over = nodeCores.filter { value[$0] > limit }
                guard let worst = over.max(by: { value[$0] < value[$1] }) else { continue }
                violations.append(MappingViolation(node: node, neuron: -1, limit: label, value: value[worst], allowed: limit,
                                                   detail: "\(over.count) of its \(nodeCores.count) cores, worst core \(worst)"))
            }
        }
        for (source, worst) in destinationWorst.sorted(by: { $0.key < $1.key }) {
            violations.append(MappingViolation(node: network.nodes[source].name, neuron: worst.neuron, limit: "destination cores per neuron",
                                               value: worst.cores, allowed: limits.destinationCoresPerNeuron!,
                                               detail: "\(worst.over) neurons, worst neuron \(worst.neuron)"))
        }

        // Weight formats: a neuron that can weight its inputs with only k values (TrueNorth's 4 axon types) cannot hold
        // a layer whose output units each need more distinct non-zero weights.
        var reasons: [String] = []
        if let allowed = limits.weightValuesPerNeuron {
            var realValued: [String] = []
            for node in network.nodes where node.kind.weight != nil {
                let weight = node.kind.weight!
                let rows = max(weight.shape.first ?? 1, 1)
                let perRow = weight.count / rows
                var worst = 0
                for row in 0..<rows {
                    var values = Set<Double>()
                    for index in (row * perRow)..<((row + 1) * perRow) {
                        let value = weight.value(at: index)
                        if value != 0 { values.insert(value) }
                        if values.count > allowed { break }
                    }
                    worst = max(worst, values.count)
                    if worst > allowed { break }
                }
                if worst > allowed { realValued.append(node.name) }
            }
            if !realValued.isEmpty {
                reasons.append("\(realValued.joined(separator: ", ")): output units need more than \(allowed) distinct weight values, but a "
                    + "neuron on this chip weights its inputs with at most \(allowed) (one per axon type; binary synapses): real-valued "
                    + "weights cannot be held as they stand; a network trained for the chip (binary or trinary weights, as Esser et al. "
                    + "2016) is needed")
            }
        }
        let hops: [String: Int]? = columns != nil && spikesPerNeuron != nil ? hopTotals : nil
        if hops != nil, cores.count > coresPerChip { notes.append("hops between chips are not priced: each chip's mesh is counted on its own") }
        return MappingReport(profile: profile.name, cores: cores, coresPerChip: coresPerChip, violations: violations,
                             unmappableReasons: reasons, hopsPerNode: hops, notes: notes)
    }
}

/// A network that cannot be mapped onto a profile at all.
public struct MappingError: Error, CustomStringConvertible, Sendable {
    public let profile: String
    public let message: String
    public var description: String { "profile '\(profile)': \(message)" }
}
