import CostAnalysis
import NetworkModel

/// What one node does each step, compiled for the engine.
enum StageKind: Sendable {
    case input
    /// Affine, Linear, convolutions, Scale: bias plus scattered contributions.
    case weighted(kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, nonZeroBiasAdds: Int, taps: ImmutableBuffer<Int32>)
    case population(PopulationDynamics)
    /// The ANN view of an IF population: `max(0, input) / θ`, the firing rate the IF approximates
    /// (a plain ReLU for θ = 1, as in an ANN before conversion).
    case rectifier(inverseThreshold: ImmutableBuffer<Float>)
    case threshold(ImmutableBuffer<Float>)
    /// NIR Delay: element k's output at step t is its summed input at step t − steps[k] (zero before); `span` is
    /// the largest delay. It passes spikes on as spikes when all its inputs are spikes arriving unrouted (their
    /// values are then spike counts), else values.
    case delay(steps: ImmutableBuffer<Int32>, span: Int, passesSpikes: Bool)
    case output
    /// Flatten and pools: folded into the projections of their consumers; nothing runs.
    case routing
}

/// One node's compiled work: its kind, where its input comes from, and where its results go.
struct Stage: Sendable {
    let node: Int
    let kind: StageKind
    let inputCount: Int
    let outputCount: Int
    let projections: [Projection]
    /// Column in the count tables, nil for nodes that are not layers.
    let layer: Int?
    /// A weighted node whose inputs never change within a sample (the analog input under direct coding):
    /// computed at the first step and reused, its MACs still counted every step.
    let isStaticPerSample: Bool
}

/// A network compiled for event-driven simulation under fixed options: per-node stages in topological order,
/// spike routes with pooling folded in, weights laid out for scattering. Immutable and shared by all threads.
public struct SimulationPlan: Sendable {
    public let network: Network
    public let options: SimulationOptions
    /// True for the ANN view: each IF is a ReLU, every value is analog, one step.
    public let isANNView: Bool
    /// Node indices of the layers (nodes that do work), in topological order.
    public let layerNodes: [Int]
    /// The Input node fed by the data.
    public let inputNode: Int
    /// The Output node whose accumulation gives the predictions.
    public let readoutNode: Int
    let stages: [Stage]
    /// Steps per group for networks without cycles (see `WorkerSchedule`), nil for the engine's choice. Results do not
    /// depend on it; tests set it to run every network with groups that do not divide T.
    var stepsPerGroup: Int?
    /// Samples a worker runs side by side for networks without cycles (see `WorkerSchedule`), nil for the engine's
    /// choice. Results do not depend on it either.
    var lanes: Int?
    /// The instruction set of the hot kernels, nil for the process's choice (`KernelInstructionSet.current`).
    /// Results do not depend on it; tests run every exact case under each set the CPU supports.
    var instructionSet: KernelInstructionSet?
    /// Whether sparse convolutions gather a group output by output (`GroupGather`): nil for the engine's choice (the
    /// layers the group scatter does not take, by each group's activity), true for every layer the gather can take,
    /// false for none. Results do not depend on it either; tests force both.
    var gathersGroups: Bool?
    /// Weighted nodes feeding a recurrent edge whose output at "step −1" is not zero but the node's response to a
    /// zero input (its bias, in the output layout): snntorch's `RLeaky`/`RSynaptic` add `recurrent(0)` at the first step.
    let recurrentStartValues: [(node: Int, values: ImmutableBuffer<Float>)]
    /// Owns the memory the stages point into.
    let arena: BufferArena

    /// Layer names, in the order of the count tables' columns.
    public var layerNames: [String] { layerNodes.map { network.nodes[$0].name } }

    /// NIR types of the layers.
    public var layerKinds: [String] { layerNodes.map { network.nodes[$0].kind.nirTypeName } }

    /// Shape of one sample the data must provide (with the time axis first under `spikes` encoding).
    public var sampleShape: [Int] {
        let shape = network.outputShapes[inputNode]
        return options.encoding == .spikes ? [options.timesteps] + shape : shape
    }

    /// - Throws: `SimulationError` for networks the engine cannot run (no Input or Output, several Inputs,
    ///   Delay nodes) and for bad options.
    public init(network: Network, options: SimulationOptions) throws(SimulationError) {
        try self.init(network: network, options: options, annView: false)
    }

    /// The ANN view of a network (the same graph with each IF replaced by a ReLU scaled by 1/θ), evaluated in one
    /// step: the network of firing rates the SNN approximates. For an ANN before conversion (θ = 1) it is the ANN
    /// itself; for a converted SNN whose thresholds were folded into the next weights it is the source ANN again.
    /// - Throws: `SimulationError` when the network has other spiking nodes (LIF, CubaLIF, Threshold) or cycles.
    public static func annView(of network: Network, readout: String? = nil) throws(SimulationError) -> SimulationPlan {
        for node in network.nodes {
            switch node.kind {
            case .neuron(let neurons) where neurons.model != .integrateAndFire:
                throw SimulationError("node '\(node.name)': the ANN view replaces IF neurons by ReLU; \(neurons.model.rawValue) has no ANN counterpart")
            case .threshold:
                throw SimulationError("node '\(node.name)': the ANN view has no counterpart for Threshold")
            default:
                break
            }
        }
        if network.hasRecurrentEdges { throw SimulationError("the ANN view of a recurrent network is not defined") }
        return try SimulationPlan(network: network, options: SimulationOptions(timesteps: 1, readout: readout), annView: true)
    }

    init(network: Network, options: SimulationOptions, annView: Bool) throws(SimulationError) {
        guard (1...SimulationOptions.maxTimesteps).contains(options.timesteps) else {
            throw SimulationError("timesteps must be in 1...\(SimulationOptions.maxTimesteps), got \(options.timesteps)")
        }
        guard options.dt > 0, options.dt.isFinite else { throw SimulationError("dt must be a positive number of seconds, got \(options.dt)") }
        guard options.framework.supportedResets.contains(options.reset) else {
            throw SimulationError("--reset \(options.reset.rawValue) is not a reset of \(options.framework.rawValue) (it has \(options.framework.supportedResets.map(\.rawValue).joined(separator: ", ")))")
        }
        let inputs = network.inputIndices
        guard inputs.count == 1 else {
            throw SimulationError("the network has \(inputs.count) Input nodes; runs need exactly one (the data feed it)")
        }
        let outputs = network.outputIndices
        let readout: Int
        if let name = options.readout {
            guard let index = network.index(of: name), outputs.contains(index) else {
                throw SimulationError("readout '\(name)' is not an Output node (Output nodes: \(outputs.map { network.nodes[$0].name }.joined(separator: ", ")))")
            }
            readout = index
        } else {
            guard let first = outputs.first else { throw SimulationError("the network has no Output node to read predictions from") }
            readout = first
        }
        self.network = network
        self.options = options
        self.isANNView = annView
        self.inputNode = inputs[0]
        let arena = BufferArena()
        self.arena = arena
        self.readoutNode = readout

        let spikingInput = options.encoding != .direct
        var delayPassesSpikes = Set<Int>()
        func carriesSpikes(_ node: Int) -> Bool {
            node == inputs[0] ? spikingInput : !annView && (network.nodes[node].kind.emitsSpikes || delayPassesSpikes.contains(node))
        }
        let recurrentTargets = Set(network.edges.filter(\.isRecurrent).map(\.target))
        var recurrentStartValues: [(node: Int, values: ImmutableBuffer<Float>)] = []

        var layerNodes: [Int] = []
        var stages: [Stage] = []
        var isStatic = [Bool](repeating: false, count: network.nodes.count)
        let prebuilt = PopulationsAndRoutes(network: network, options: options, annView: annView, recurrentTargets: recurrentTargets)
        let weighted = WeightedLayouts(network: network)
        // The weighted nodes' layouts, the populations and the routes live in arenas of their own (built
        // concurrently); the plan's arena keeps them.
        _ = arena.store(weighted.arenas + [prebuilt.arena])
        for index in network.nodes.indices {
            let node = network.nodes[index]
            let inputShape = network.inputShapes[index]
            let outputShape = network.outputShapes[index]
            let inputCount = inputShape.reduce(1, *)
            var kind: StageKind
            var isLayer = true
            switch node.kind {
            case .input:
                kind = .input
                isLayer = false
                isStatic[index] = !spikingInput
            case .output:
                kind = .output
                isLayer = false
            case .flatten, .sumPool2d, .avgPool2d:
                kind = .routing
                isLayer = false
            case .delay(let tensor):
                isLayer = false
                let seconds = (try? tensor.broadcast(to: outputShape)) ?? tensor.doubleValues
                var steps: [Int32] = []
                for (element, delay) in seconds.enumerated() {
                    let exact = delay / options.dt
                    let whole = exact.rounded()
                    guard delay >= 0, abs(exact - whole) <= 1e-6 * max(1, whole), whole <= Double(Int32.max) else {
                        throw SimulationError("node '\(node.name)': field 'delay': \(delay) s at flat index \(element) is not a whole, non-negative number of steps of dt = \(options.dt) s (set --dt to the exporter's step)")
                    }
                    steps.append(Int32(whole))
                }
                let span = Int(steps.max() ?? 0)
                guard span <= 4096 else {
                    throw SimulationError("node '\(node.name)': field 'delay': \(span) steps of dt = \(options.dt) s is more than the 4,096 steps the engine buffers")
                }
                kind = .delay(steps: arena.store(steps), span: span, passesSpikes: false)
            case .affine, .linear, .convolution, .scale:
                let (taps, kernel) = weighted.layouts[index]!
                var bias: ImmutableBuffer<Float>?
                var biasAdds = 0
                if let tensor = node.kind.bias, tensor.nonZeroCount > 0 {
                    let perChannel = tensor.floatValues
                    let repeatCount = outputShape.reduce(1, *) / max(perChannel.count, 1)
                    // Laid out as the kernel accumulates: channels-last for dense convolutions, (C, H, W) otherwise.
                    bias = arena.store(kernel.writesChannelsLast
                        ? (0..<repeatCount).flatMap { _ in perChannel }
                        : perChannel.flatMap { Array(repeating: $0, count: repeatCount) })
                    biasAdds = tensor.nonZeroCount * repeatCount
                }
                kind = .weighted(kernel: kernel, bias: bias, nonZeroBiasAdds: biasAdds, taps: arena.store(taps.map { Int32($0) }))
            case .neuron:
                let dynamics = try prebuilt.population(of: index)
                if annView {
                    let thresholds = dynamics.threshold
                    kind = .rectifier(inverseThreshold: arena.store((0..<thresholds.count).map { 1 / thresholds[$0] }))
                } else {
                    kind = .population(dynamics)
                }
            case .threshold(let tensor):
                let values = (try? tensor.broadcast(to: outputShape)) ?? tensor.doubleValues
                kind = .threshold(arena.store(values.map { Float($0) }))
            }
            let projections = isLayer || { switch kind { case .output, .delay: return true; default: return false } }()
                ? try Self.projections(into: index, network: network, carriesSpikes: carriesSpikes, kind: kind, prebuilt: prebuilt, arena: arena)
                : []
            if case .delay(let steps, let span, _) = kind, !projections.isEmpty,
               projections.allSatisfy({ $0.carriesSpikes && $0.route.isIdentity }) {
                kind = .delay(steps: steps, span: span, passesSpikes: true)
                delayPassesSpikes.insert(index)
            }
            if options.framework == .snntorch, !annView, case .weighted(_, _, _, _) = kind,
               network.outgoingEdges(of: index).contains(where: \.isRecurrent),
               let bias = node.kind.bias, bias.nonZeroCount > 0 {
                // snntorch's recurrent layer adds `recurrent(spk)` with spk = 0 at the first step: the bias.
                let perChannel = bias.floatValues
                let repeatCount = outputShape.reduce(1, *) / max(perChannel.count, 1)
                recurrentStartValues.append((index, arena.store(perChannel.flatMap { Array(repeating: $0, count: repeatCount) })))
            }
            if case .weighted = kind {
                isStatic[index] = !projections.isEmpty && projections.allSatisfy { !$0.carriesSpikes && isStatic[$0.producer] }
            }
            stages.append(Stage(node: index, kind: kind, inputCount: inputCount, outputCount: outputShape.reduce(1, *),
                                projections: projections, layer: isLayer ? layerNodes.count : nil,
                                isStaticPerSample: { if case .weighted = kind { return isStatic[index] } else { return false } }()))
            if isLayer { layerNodes.append(index) }
        }
        self.layerNodes = layerNodes
        self.stages = stages
        self.recurrentStartValues = recurrentStartValues
    }

    /// Every path into `consumer` from a producer, walking back through routing nodes.
    private static func projections(into consumer: Int, network: Network, carriesSpikes: (Int) -> Bool,
                                    kind: StageKind, prebuilt: PopulationsAndRoutes, arena: BufferArena) throws(SimulationError) -> [Projection] {
        // The synaptic taps of each consumer element: its own count for a weighted stage, one per neuron otherwise.
        let consumerTaps: ImmutableBuffer<Int32>?
        let tapsPerElement: Int
        switch kind {
        case .weighted(_, _, _, let taps): consumerTaps = taps; tapsPerElement = 0
        case .population, .threshold: consumerTaps = nil; tapsPerElement = 1
        default: consumerTaps = nil; tapsPerElement = 0
        }
        return try paths(into: consumer, network: network).map { path in
            let producerCount = network.outputShapes[path.producer].reduce(1, *)
            let route = prebuilt.route(from: path.producer, through: path.chain)
                ?? Self.route(from: path.producer, through: path.chain, network: network, arena: arena)
            let spikes = carriesSpikes(path.producer)
            var synops: [Int] = []
            if spikes {
                // Summed straight from the taps (a closure per target cost a call for each of a few hundred
                // thousand elements).
                synops = [Int](unsafeUninitializedCapacity: producerCount) { buffer, initializedCount in
                    if let taps = consumerTaps?.pointer {
                        for element in 0..<producerCount {
                            var total = 0
                            route.forEachTarget(of: element) { target, _ in total += Int(taps[target]) }
                            buffer[element] = total
                        }
                    } else {
                        for element in 0..<producerCount {
                            var total = 0
                            route.forEachTarget(of: element) { _, _ in total += tapsPerElement }
                            buffer[element] = total
                        }
                    }
                    initializedCount = producerCount
                }
            }
            return Projection(producer: path.producer, carriesSpikes: spikes, route: route, synopsPerSpike: arena.store(synops))
        }
    }

    /// The (producer, routing chain from producer to consumer) pairs of every path into `consumer`.
    static func paths(into consumer: Int, network: Network) throws(SimulationError) -> [(producer: Int, chain: [Int])] {
        var paths: [(producer: Int, chain: [Int])] = []
        func walk(_ node: Int, chain: [Int], recurrent: Bool) throws(SimulationError) {
            for edge in network.incomingEdges(of: node) {
                let source = edge.source
                let throughRecurrent = recurrent || edge.isRecurrent
                if network.nodes[source].kind.isRouting {
                    guard !chain.contains(source) else {
                        throw SimulationError("node '\(network.nodes[source].name)': routing nodes form a cycle with no neuron or weighted node in it")
                    }
                    try walk(source, chain: [source] + chain, recurrent: throughRecurrent)
                } else {
                    // A recurrent path must read the producer before it updates, so the producer must come later.
                    if throughRecurrent && source < consumer {
                        throw SimulationError("node '\(network.nodes[consumer].name)': a recurrent path from '\(network.nodes[source].name)' through routing nodes is not supported")
                    }
                    paths.append((source, chain))
                }
            }
        }
        try walk(consumer, chain: [], recurrent: false)
        return paths
    }

    /// How `producer`'s elements reach the end of the routing `chain`.
    static func route(from producer: Int, through chain: [Int], network: Network, arena: BufferArena) -> SignalRoute {
        let producerCount = network.outputShapes[producer].reduce(1, *)
        var route = SignalRoute.identity(count: producerCount)
        for routingNode in chain {
            route = route.through(network.nodes[routingNode], inputShape: network.inputShapes[routingNode],
                                  outputShape: network.outputShapes[routingNode], producerCount: producerCount, arena: arena)
        }
        return route
    }
}
