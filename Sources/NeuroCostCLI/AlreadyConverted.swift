import NeuroCost

/// Signs that a network given to `convert` is already a converted SNN: the file says so, or its IF thresholds
/// are not the 1 an ANN written for conversion has at each ReLU.
enum AlreadyConverted {
    /// Why the network looks converted, or nil.
    static func reason(_ network: Network) -> String? {
        for key in ["neurocost_conversion", "conversion", "converted"] where network.metadata[key] != nil {
            return "its metadata '\(key)' says it was converted already"
        }
        for node in network.nodes {
            guard case .neuron(let neurons) = node.kind, neurons.model == .integrateAndFire,
                  let thresholds = neurons.fields["v_threshold"],
                  let index = thresholds.firstIndex(where: { $0 != 1 }) else { continue }
            return "IF node '\(node.name)' has threshold \(thresholds.value(at: index)), not 1, as in a converted SNN"
        }
        return nil
    }
}
