import NetworkModel
import SampleData
import Simulator

/// What a conversion produced and measured.
public struct ConversionReport: Sendable {
    /// The SNN: the input network with calibrated thresholds (and, data-based, folded weights).
    public let network: Network
    /// Calibrated threshold per IF node, in topological order.
    public let thresholds: [(node: String, threshold: Float)]
    /// IF nodes that never had positive input on the calibration data (threshold left at 1).
    public let silentNodes: [String]
    /// Accuracy of the ANN view on the calibration samples (nil without labels).
    public let annAccuracy: Double?
}

/// Converts an ANN written as a NIR graph with IF nodes at its ReLU sites into an SNN by calibrating each
/// IF threshold from the distribution of its input current on calibration data.
public enum ThresholdCalibrator {
    public static func convert(_ network: Network, calibration: SampleDataset, range: Range<Int>? = nil,
                               options: ConversionOptions) throws -> ConversionReport {
        guard options.percentile > 0, options.percentile <= 100 else {
            throw SimulationError("--percentile must be in (0, 100], got \(options.percentile)")
        }
        guard options.scale > 0, options.scale.isFinite else { throw SimulationError("--scale must be positive, got \(options.scale)") }
        let annPlan = try SimulationPlan.annView(of: network)
        let ifNodes = network.nodes.indices.filter {
            if case .neuron(let neurons) = network.nodes[$0].kind { return neurons.model == .integrateAndFire }
            return false
        }
        guard !ifNodes.isEmpty else { throw SimulationError("the network has no IF node to calibrate") }
        let annRun = try SimulationRunner.run(plan: annPlan, dataset: calibration, range: range, threads: options.threads,
                                              probedNodes: options.method == .dataBased ? Set(ifNodes) : [])
        let annAccuracy = annRun.accuracyByTimestep?.first

        var thresholds: [Int: Float] = [:]
        var silent: [String] = []
        switch options.method {
        case .dataBased:
            for node in ifNodes {
                thresholds[node] = threshold(from: annRun.probedInputs[node] ?? [], options: options) ?? {
                    silent.append(network.nodes[node].name)
                    return 1
                }()
            }
            let converted = try rebuild(network, thresholds: thresholds, foldIntoConsumers: true)
            return ConversionReport(network: converted, thresholds: ifNodes.map { (network.nodes[$0].name, thresholds[$0]!) },
                                    silentNodes: silent, annAccuracy: annAccuracy)
        case .sequential:
            guard options.calibrationSteps >= 1 else { throw SimulationError("--calibration-steps must be at least 1") }
            var current = network
            for node in ifNodes {
                let plan = try SimulationPlan(network: current, options: SimulationOptions(timesteps: options.calibrationSteps))
                let run = try SimulationRunner.run(plan: plan, dataset: calibration, range: range, threads: options.threads,
                                                   probedNodes: [node])
                thresholds[node] = threshold(from: run.probedInputs[node] ?? [], options: options) ?? {
                    silent.append(network.nodes[node].name)
                    return 1
                }()
                current = try rebuild(current, thresholds: [node: thresholds[node]!], foldIntoConsumers: false)
            }
            return ConversionReport(network: current, thresholds: ifNodes.map { (network.nodes[$0].name, thresholds[$0]!) },
                                    silentNodes: silent, annAccuracy: annAccuracy)
        }
    }

    private static func threshold(from values: [Float], options: ConversionOptions) -> Float? {
        guard let value = percentile(values, options.percentile), value > 0 else { return nil }
        return Float(value * options.scale)
    }

    /// The network with new IF thresholds (full-shape, at the file's precision, reset to 0) and, when folding,
    /// each threshold multiplied into the weights of the weighted node its spikes reach.
    static func rebuild(_ network: Network, thresholds: [Int: Float], foldIntoConsumers: Bool) throws -> Network {
        var weightFactors: [Int: Float] = [:]
        if foldIntoConsumers {
            for (consumer, producers) in spikeProducers(network) {
                let calibrated = producers.filter { thresholds[$0] != nil }
                guard !calibrated.isEmpty else { continue }
                let names = producers.map { "'\(network.nodes[$0].name)'" }.joined(separator: ", ")
                switch network.nodes[consumer].kind {
                case .affine, .linear, .convolution, .scale:
                    guard producers.count == 1, network.nearestWorkingNodes(from: consumer, forward: false).count == 1 else {
                        throw SimulationError("node '\(network.nodes[consumer].name)' sums the outputs of \(names) with other inputs; folding a threshold into one weight tensor would scale them all (use --sequential)")
                    }
                    weightFactors[consumer] = thresholds[producers[0]]!
                case .output:
                    // Argmax over a single source's spike counts does not depend on a positive factor.
                    guard producers.count == 1 else {
                        throw SimulationError("Output '\(network.nodes[consumer].name)' sums spikes of \(names); use --sequential")
                    }
                default:
                    throw SimulationError("node '\(network.nodes[consumer].name)' receives spikes of \(names) without weights; their thresholds cannot be folded (use --sequential)")
                }
            }
        }
        let nodes = try network.nodes.indices.map { index -> Node in
            let node = network.nodes[index]
            let kind: NodeKind
            if let theta = thresholds[index], case .neuron(let neurons) = node.kind {
                var fields = neurons.fields
                let shape = network.outputShapes[index]
                let count = shape.reduce(1, *)
                let double = fields["v_threshold"]?.isDoublePrecision ?? false
                fields["v_threshold"] = double
                    ? try ParameterTensor(shape: shape, float64: Array(repeating: Double(theta), count: count))
                    : try ParameterTensor(shape: shape, float32: Array(repeating: theta, count: count))
                fields["v_reset"] = double
                    ? try ParameterTensor(shape: shape, float64: Array(repeating: 0, count: count))
                    : try ParameterTensor(shape: shape, float32: Array(repeating: 0, count: count))
                kind = .neuron(try NeuronParameters(model: neurons.model, fields: fields, node: node.name))
            } else if let factor = weightFactors[index] {
                kind = try scaledWeights(node.kind, by: factor)
            } else {
                kind = node.kind
            }
            return Node(name: node.name, kind: kind, metadata: node.metadata)
        }
        return try Network(nodes: nodes, edges: network.namedEdges, metadata: network.metadata)
    }

    /// For every node that spikes reach, the spiking nodes whose spikes reach it through routing nodes.
    private static func spikeProducers(_ network: Network) -> [Int: [Int]] {
        var result: [Int: [Int]] = [:]
        for index in network.nodes.indices where network.nodes[index].kind.emitsSpikes {
            for consumer in network.nearestWorkingNodes(from: index, forward: true) {
                result[consumer, default: []].append(index)
            }
        }
        return result
    }

    private static func scaledWeights(_ kind: NodeKind, by factor: Float) throws -> NodeKind {
        func scaled(_ tensor: ParameterTensor) throws -> ParameterTensor {
            switch tensor.storage {
            case .float32(let values): return try ParameterTensor(shape: tensor.shape, float32: values.map { $0 * factor })
            case .float64(let values): return try ParameterTensor(shape: tensor.shape, float64: values.map { $0 * Double(factor) })
            }
        }
        switch kind {
        case .affine(let weight, let bias): return .affine(weight: try scaled(weight), bias: bias)
        case .linear(let weight): return .linear(weight: try scaled(weight))
        case .scale(let values): return .scale(try scaled(values))
        case .convolution(var conv):
            conv.weight = try scaled(conv.weight)
            return .convolution(conv)
        default: return kind
        }
    }
}
