import CostAnalysis
import HardwareProfiles
import NetworkModel
import Simulator

/// Places every spiking node's neurons, in topological order, on a neuromorphic profile's cores, filling a core
/// until its neuron slots or its synaptic memory run out (each node starts on a fresh core), checks per-neuron
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

        // Greedy packing.
        var cores: [CoreLoad] = []
        var coreOf: [Int: [Int]] = [:]
        for node in spiking {
            let name = network.nodes[node].name
            let bits = synapticBits[node]!
            var assignment = [Int](repeating: 0, count: bits.count)
            var neuron = 0
            while neuron < bits.count {
                var neurons = 0
                var bytes = 0.0
                var boundBy = "end of node"
                while neuron < bits.count {
                    let extra = bits[neuron] / 8
                    if let slots = limits.neuronsPerCore, neurons == slots { boundBy = "neurons"; break }
                    if let memory = limits.synapticMemoryBytesPerCore, (bytes + extra).rounded(.up) > Double(memory) {
                        if neurons == 0 {
                            violations.append(MappingViolation(node: name, neuron: neuron, limit: "synaptic memory",
                                                               value: Int(extra.rounded(.up)), allowed: memory))
                            // Give the oversized neuron a core of its own so mapping can go on and report everything.
                            neurons = 1
                            bytes = extra
                            assignment[neuron] = cores.count
                            neuron += 1
                        }
                        boundBy = "synaptic memory"
                        break
                    }
                    assignment[neuron] = cores.count
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
        var hops: [String: Int]?
        if let columns = limits.meshColumns, let spikesPerNeuron {
            var result: [String: Int] = [:]
            func position(_ core: Int) -> (Int, Int) { let local = core % coresPerChip; return (local % columns, local / columns) }
            for node in spiking {
                let targets = plan.synapticTargets(ofNode: node)
                let spikes = spikesPerNeuron[node] ?? []
                var total = 0
                for neuron in spikes.indices where spikes[neuron] > 0 {
                    var targetCores = Set<Int>()
                    targets.forEach(neuron: neuron) { target, element in
                        if let assignment = coreOf[target] { targetCores.insert(assignment[element]) }
                    }
                    let (x, y) = position(coreOf[node]![neuron])
                    let distance = targetCores.reduce(0) { sum, core in
                        let (tx, ty) = position(core)
                        return sum + abs(tx - x) + abs(ty - y)
                    }
                    total += distance * spikes[neuron]
                }
                result[network.nodes[node].name] = total
            }
            hops = result
            if cores.count > coresPerChip { notes.append("hops between chips are not priced: each chip's mesh is counted on its own") }
        } else if limits.meshColumns == nil {
            notes.append("the profile gives no mesh: router hops are not counted")
        }
        return MappingReport(profile: profile.name, cores: cores, coresPerChip: coresPerChip, violations: violations,
                             hopsPerNode: hops, notes: notes)
    }
}

/// A network that cannot be mapped onto a profile at all.
public struct MappingError: Error, CustomStringConvertible, Sendable {
    public let profile: String
    public let message: String
    public var description: String { "profile '\(profile)': \(message)" }
}
