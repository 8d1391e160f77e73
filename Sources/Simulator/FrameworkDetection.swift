import NetworkModel

/// The framework a run follows, the network as that framework means it, and what the user should be told.
public struct FrameworkChoice: Sendable {
    public let framework: Framework
    /// The network to simulate: the file's, with the leading batch dimension of 1 removed from Input nodes under
    /// norse, whose exporter keeps it (snntorch's with `ignore_dims=[0]`, sinabs' and SpikingJelly's do not).
    public let network: Network
    /// Whether the framework was detected from the file rather than given.
    public let wasDetected: Bool
    /// One line per assumption made, for the user (why this framework, what was changed).
    public let notes: [String]
}

/// Recognises exporters from what they write, and warns about readings that are almost certainly wrong.
///
/// Only unambiguous signatures count (`docs/frameworks.md`): SpikingJelly's IF with `r = 1/dt` for dt = 1e-4 s;
/// snntorch's LIF and CubaLIF with `r = τ/dt` (and `w_in = τ_syn/dt`) for dt = 1e-4 s and `v_leak = 0`. sinabs and
/// norse write nothing that tells them from a hand-written NIR file, so they are never assumed.
public enum FrameworkDetection {
    /// The exporter the parameters identify, with the evidence, or nil.
    public static func detect(_ network: Network) -> (framework: Framework, evidence: String)? {
        let populations = network.nodes.compactMap { node -> (String, NeuronParameters)? in
            if case .neuron(let neurons) = node.kind { return (node.name, neurons) }
            return nil
        }
        func values(_ neurons: NeuronParameters, _ name: String) -> [Double]? { neurons.fields[name]?.doubleValues }
        for (name, neurons) in populations where neurons.model == .integrateAndFire {
            // Asked of the tensor itself, widened value by value: a float64 copy of every IF gain (millions in a
            // large network) cost more than the test, which the first gain of 1 already settles.
            if let r = neurons.fields["r"], r.count > 0,
               r.firstIndex(where: { !ExporterParameterRecovery.isUnitGain($0 * 1e-4) }) == nil {
                return (.spikingjelly, "IF node '\(name)' has r = 1/dt for dt = 1e-4 s, as SpikingJelly's exporter writes IFNode")
            }
        }
        let leaky = populations.filter { $0.1.model == .leakyIntegrateAndFire || $0.1.model == .currentBasedLeakyIntegrateAndFire }
        guard !leaky.isEmpty else { return nil }
        let snntorchLike = leaky.allSatisfy { _, neurons in
            let isCurrentBased = neurons.model == .currentBasedLeakyIntegrateAndFire
            guard let tau = values(neurons, isCurrentBased ? "tau_mem" : "tau"), let r = values(neurons, "r"),
                  let leak = values(neurons, "v_leak"), leak.allSatisfy({ $0 == 0 }), r.count == tau.count else { return false }
            func matches(_ ratio: [Double], _ constant: [Double]) -> Bool {
                zip(ratio, constant).allSatisfy { ratio, tau in
                    (ratio.isInfinite && tau.isInfinite) || (tau.isFinite && tau >= 1e-4 * (1 - 1e-6) && ExporterParameterRecovery.isUnitGain(ratio * 1e-4 / tau))
                }
            }
            guard matches(r, tau) else { return false }
            if isCurrentBased {
                guard let tauSyn = values(neurons, "tau_syn"), let weight = values(neurons, "w_in"), weight.count == tauSyn.count,
                      matches(weight, tauSyn) else { return false }
            }
            return true
        }
        if snntorchLike {
            return (.snntorch, "every LIF/CubaLIF has r = τ/dt (and w_in = τ_syn/dt) for dt = 1e-4 s and v_leak = 0, as snntorch's exporter writes them")
        }
        return nil
    }

    /// The framework to follow (`requested`, or the detected one, or `nir`) and the network as it means it.
    public static func choose(_ network: Network, requested: Framework?) throws(SimulationError) -> FrameworkChoice {
        var notes: [String] = []
        let framework: Framework
        var wasDetected = false
        if let requested {
            framework = requested
        } else if let (detected, evidence) = detect(network) {
            framework = detected
            wasDetected = true
            notes.append("assuming --framework \(detected.rawValue): \(evidence) (pass --framework nir to read it as plain NIR)")
        } else {
            framework = .nir
        }
        var adjusted = network
        if framework == .norse {
            let batched = network.inputIndices.filter { hasLeadingBatchDimension(network, input: $0) }
            if !batched.isEmpty {
                adjusted = try removingLeadingBatchDimension(network, inputs: batched)
                notes.append("dropped the leading batch dimension of 1 from Input \(batched.map { "'\(network.nodes[$0].name)'" }.joined(separator: ", ")) (norse's exporter keeps it)")
            }
        }
        return FrameworkChoice(framework: framework, network: adjusted, wasDetected: wasDetected, notes: notes)
    }

    /// Warnings for readings that are almost certainly not what the exporter meant, given the options the run uses.
    public static func warnings(plan: SimulationPlan) -> [String] {
        let network = plan.network
        let options = plan.options
        var warnings: [String] = []
        for stage in plan.stages {
            guard case .population(let dynamics) = stage.kind else { continue }
            let name = network.nodes[stage.node].name
            if let fastest = dynamics.eulerRates.max(), fastest > 1 {
                warnings.append("node '\(name)': dt/τ reaches \(fastest) > 1 with dt = \(options.dt) s: the Euler step overshoots and the neurons oscillate (snntorch and SpikingJelly export with dt = 1e-4 s and norse writes τ·dt for τ: --framework snntorch|spikingjelly|norse, or set --dt)")
            }
            if options.framework == .nir, dynamics.model == .integrateAndFire || dynamics.model == .integrator {
                // One pass over the gains (one per neuron, millions in a large network), without a copy of them.
                var largest: Double?
                var nearInverseStep = false
                if dynamics.unitGain {  // every gain is 1: what the pass would find, without reading millions of them
                    largest = 1
                    nearInverseStep = abs(options.dt - 1) < 1e-3
                }
                for index in 0..<(dynamics.unitGain ? 0 : dynamics.gain.count) {
                    let gain = Double(dynamics.gain[index])
                    if largest.map({ $0 < gain }) ?? true { largest = gain }  // as `max()` picks, NaN included
                    if abs(gain * options.dt - 1) < 1e-3 { nearInverseStep = true }
                }
                if let largest, largest > 10 || nearInverseStep {
                    warnings.append("node '\(name)': \(dynamics.model.rawValue) with r = \(Float(largest)): under --framework nir every step adds r·x, a gain of \(Float(largest)); SpikingJelly writes IF as r = 1/dt, meant to be multiplied by dt (--framework spikingjelly)")
                }
            }
        }
        if options.framework == .nir {
            for index in network.inputIndices where hasLeadingBatchDimension(network, input: index) {
                warnings.append("Input '\(network.nodes[index].name)' has shape \(network.outputShapes[index]) with a leading 1, probably a batch dimension (norse and nirtorch without ignore_dims keep it; --framework norse drops it)")
            }
        }
        return warnings
    }

    /// Whether the Input's shape starts with a 1 that its consumers do not need: one more dimension than a
    /// convolution's (C, …) input, or any rank ≥ 2 before weights that read their input flat.
    static func hasLeadingBatchDimension(_ network: Network, input: Int) -> Bool {
        let shape = network.outputShapes[input]
        guard shape.count >= 2, shape.first == 1 else { return false }
        return network.outgoingEdges(of: input).allSatisfy { edge in
            if case .convolution(let convolution) = network.nodes[edge.target].kind {
                return shape.count == convolution.spatialRank + 2
            }
            return true
        }
    }

    private static func removingLeadingBatchDimension(_ network: Network, inputs: [Int]) throws(SimulationError) -> Network {
        let nodes = network.nodes.enumerated().map { index, node -> Node in
            guard inputs.contains(index), case .input(let shape) = node.kind else {
                if case .output(let declared?) = node.kind, declared.count >= 2, declared.first == 1 {
                    return Node(name: node.name, kind: .output(declaredShape: Array(declared.dropFirst())), metadata: node.metadata)
                }
                return node
            }
            return Node(name: node.name, kind: .input(shape: Array(shape.dropFirst())), metadata: node.metadata)
        }
        do {
            return try Network(nodes: nodes, edges: network.namedEdges, metadata: network.metadata)
        } catch {
            throw SimulationError("without the leading batch dimension the network does not hold together: \(error)")
        }
    }
}
