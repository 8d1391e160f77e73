import HardwareProfiles
import NetworkModel

/// TrueNorth's crossbar: a core's 256 input axons are shared by its 256 neurons, a synapse is one bit, and a neuron
/// weights an axon by one of 4 values, one per axon type (Merolla et al. 2014). A network whose output units each need
/// more distinct weights cannot be held as it stands.
enum CrossbarRules {
    /// Why the weighted nodes break the weight-values rule (nil when none does).
    static func weightValuesReason(network: Network, allowed: Int) -> String? {
        var realValued: [String] = []
        for node in network.nodes {
            guard let weight = node.kind.weight else { continue }
            let rows = max(weight.shape.first ?? 1, 1)
            let perRow = max(weight.count / rows, 1)
            // Distinct non-zero values per row, over the non-zeros in row-major order (a pruned weight keeps only
            // those; asking for every value by index would search its list for each).
            var row = -1
            var values = Set<Double>()
            var tooMany = false
            weight.forEachNonZero { index, value in
                guard !tooMany else { return }
                if index / perRow != row {
                    row = index / perRow
                    values.removeAll(keepingCapacity: true)
                }
                values.insert(value)
                if values.count > allowed { tooMany = true }
            }
            if tooMany { realValued.append(node.name) }
        }
        guard !realValued.isEmpty else { return nil }
        return "\(realValued.joined(separator: ", ")): output units need more than \(allowed) distinct weight values, but a "
            + "neuron on this chip weights its inputs with at most \(allowed) (one per axon type; binary synapses): real-valued "
            + "weights cannot be held as they stand; a network trained for the chip (binary or trinary weights, as Esser et al. "
            + "2016) is needed"
    }

    /// Cores a version of the network trained for the crossbar would need, estimated layer by layer as Esser et al.
    /// (2016) build convolutions for TrueNorth: each neuron's inputs are cut into groups of at most one core's input
    /// axons (a neuron with fan-in F becomes ⌈F / axons⌉ partial neurons, and a second level of neurons sums the parts),
    /// and a neuron whose spike is needed on k cores (of the consumer's most compact tiling) is copied k − 1 times (one
    /// destination core per neuron).
    static func trainedCoreEstimate(layers: [(neurons: Int, worstFanIn: Int, extraCopies: Int)], limits: CoreLimits) -> Int? {
        guard let axons = limits.inputAxonsPerCore, let perCore = limits.neuronsPerCore else { return nil }
        var cores = 0
        for layer in layers {
            let parts = max(1, (layer.worstFanIn + axons - 1) / axons)
            let neurons = layer.neurons * parts + (parts > 1 ? layer.neurons : 0) + layer.extraCopies
            cores += (neurons + perCore - 1) / perCore
        }
        return cores
    }
}
