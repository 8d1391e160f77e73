import Dispatch
import NetworkModel

/// The parts of a plan that need no weight layout, built on a thread of their own while the weighted layouts are
/// built: every neuron node's population (`PopulationDynamics`: parameters broadcast to one value per neuron and
/// the rule's coefficients) and every signal route through pools (`SignalRoute`). A large population's arrays or
/// a large pool's route cost about as much as a weight layout, and neither depends on one.
final class PopulationsAndRoutes: @unchecked Sendable {
    /// Owns the populations' and routes' memory; the plan's arena keeps it.
    let arena = BufferArena()
    /// By node index; written by the building thread only, read after `finished` is signalled.
    private var populations: [Int: Result<PopulationDynamics, SimulationError>] = [:]
    /// By path (producer and routing chain); written and read as `populations` is.
    private var routes: [RoutePath: SignalRoute] = [:]
    private let finished = DispatchSemaphore(value: 0)
    private var waited = false

    /// A producer and the routing nodes from it to a consumer, in order.
    struct RoutePath: Hashable {
        let producer: Int
        let chain: [Int]
    }

    /// Starts building. Under the ANN view each IF steps as a ReLU would: the Euler rule with subtractive reset.
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
                    populations[index] = .success(try PopulationDynamics(neurons, shape: network.outputShapes[index], rule: rule,
                                                                         options: options, node: node, arena: arena))
                } catch {
                    populations[index] = .failure(error)
                }
            }
            // Paths that cannot be walked are skipped here: the plan walks them again and reports the error.
            for index in network.nodes.indices {
                guard let paths = try? SimulationPlan.paths(into: index, network: network) else { continue }
                for path in paths where !path.chain.isEmpty {
                    let key = RoutePath(producer: path.producer, chain: path.chain)
                    if routes[key] == nil {
                        routes[key] = SimulationPlan.route(from: path.producer, through: path.chain, network: network, arena: arena)
                    }
                }
            }
            finished.signal()
        }
    }

    private func waitForBuilds() {
        if !waited {
            finished.wait()
            waited = true
        }
    }

    /// Node `index`'s population (waiting for the builds the first time), or the error its parameters gave.
    /// Called from one thread only.
    func population(of index: Int) throws(SimulationError) -> PopulationDynamics {
        waitForBuilds()
        guard let result = populations[index] else { preconditionFailure("node \(index) is not a neuron population") }
        return try result.get()
    }

    /// The route from `producer` through `chain` (waiting for the builds the first time), nil if it was not built.
    /// Called from one thread only.
    func route(from producer: Int, through chain: [Int]) -> SignalRoute? {
        waitForBuilds()
        return routes[RoutePath(producer: producer, chain: chain)]
    }
}
