import Dispatch
import NetworkModel

/// A network's neuron populations (`PopulationDynamics`: parameters broadcast to one value per neuron and the
/// rule's coefficients), built on a thread of their own while the plan's weighted layouts are built: a large
/// population's arrays cost about as much as a weight layout, and neither depends on the other.
final class PopulationBuilds: @unchecked Sendable {
    /// Owns the populations' memory; the plan's arena keeps it.
    let arena = BufferArena()
    /// By node index; written by the building thread only, read after `finished` is signalled.
    private var built: [Int: Result<PopulationDynamics, SimulationError>] = [:]
    private let finished = DispatchSemaphore(value: 0)
    private var waited = false

    /// Starts building every neuron node's population. Under the ANN view each IF steps as a ReLU would: the
    /// Euler rule with subtractive reset.
    init(network: Network, options: SimulationOptions, annView: Bool, recurrentTargets: Set<Int>) {
        DispatchQueue.global().async { [self] in
            for index in network.nodes.indices {
                guard case .neuron(let neurons) = network.nodes[index].kind else { continue }
                let node = network.nodes[index].name
                do throws(SimulationError) {
                    let rule = annView
                        ? NeuronRule(update: .euler, reset: .subtract, spikeFunction: .single, comparison: .gt)
                        : try NeuronRule.resolve(model: neurons.model, options: options,
                                                 hasRecurrentInput: recurrentTargets.contains(index), node: node)
                    built[index] = .success(try PopulationDynamics(neurons, shape: network.outputShapes[index], rule: rule,
                                                                   options: options, node: node, arena: arena))
                } catch {
                    built[index] = .failure(error)
                }
            }
            finished.signal()
        }
    }

    /// Node `index`'s population (waiting for the builds the first time), or the error its parameters gave.
    /// Called from one thread only.
    func population(of index: Int) throws(SimulationError) -> PopulationDynamics {
        if !waited {
            finished.wait()
            waited = true
        }
        guard let result = built[index] else { preconditionFailure("node \(index) is not a neuron population") }
        return try result.get()
    }
}
