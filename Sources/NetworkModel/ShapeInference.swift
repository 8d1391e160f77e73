/// Infers every node's input and output shape in topological order and checks that neighbours agree.
enum ShapeInference {
    static func infer(nodes: [Node], edges: [Edge], incoming: [[Int]]) throws(NetworkError)
        -> (inputs: [[Int]], outputs: [[Int]]) {
        var inputs = Array(repeating: [Int](), count: nodes.count)
        var outputs = Array(repeating: [Int](), count: nodes.count)
        for index in nodes.indices {
            let node = nodes[index]
            let forward = incoming[index].map { edges[$0] }.filter { !$0.isRecurrent }
            let input = try summedInputShape(node: node, sources: forward.map { outputs[$0.source] },
                                             sourceNames: forward.map { nodes[$0.source].name })
            inputs[index] = input ?? []
            outputs[index] = try outputShape(of: node, input: input)
            // Later arithmetic multiplies these dimensions freely; a shape whose size overflows stops here.
            guard let count = ShapeArithmetic.elementCount(outputs[index]), count <= ShapeArithmetic.maxElementsPerNode else {
                throw NetworkError(node: node.name, "output shape \(outputs[index]) has more than \(ShapeArithmetic.maxElementsPerNode) elements (NeuroCost's limit per node)")
            }
            if case .input(let shape) = node.kind { inputs[index] = shape }
        }
        // A recurrent edge must bring the shape the node already receives.
        for edge in edges where edge.isRecurrent {
            let expected = inputs[edge.target]
            let given = outputs[edge.source]
            guard given.reduce(1, *) == expected.reduce(1, *) else {
                throw NetworkError(node: nodes[edge.target].name,
                                   "recurrent input from '\(nodes[edge.source].name)' has shape \(given), expected \(expected)")
            }
        }
        return (inputs, outputs)
    }

    /// The shape of the sum of the forward inputs (nil when there are none).
    private static func summedInputShape(node: Node, sources: [[Int]], sourceNames: [String]) throws(NetworkError) -> [Int]? {
        if case .input = node.kind {
            guard sources.isEmpty else {
                throw NetworkError(node: node.name, "an Input node cannot receive edges (from '\(sourceNames[0])')")
            }
            return nil
        }
        guard let first = sources.first else {
            // Neuron-like nodes with no input still have a shape from their parameters; anything else is dangling.
            switch node.kind {
            case .neuron, .scale, .threshold, .delay: return nil
            default: throw NetworkError(node: node.name, "has no incoming edge")
            }
        }
        for (shape, name) in zip(sources, sourceNames).dropFirst() where shape != first {
            throw NetworkError(node: node.name,
                               "inputs are summed but have different shapes: '\(sourceNames[0])' gives \(first), '\(name)' gives \(shape)")
        }
        return first
    }

    private static func outputShape(of node: Node, input: [Int]?) throws(NetworkError) -> [Int] {
        let name = node.name
        switch node.kind {
        case .input(let shape):
            return shape

        case .output(let declared):
            let shape = input ?? declared ?? []
            // Files may state the output with another rank (rockpool: [1,1,1] for [1]); element counts must agree.
            if let declared, !declared.isEmpty, ShapeArithmetic.elementCount(declared) != ShapeArithmetic.elementCount(shape) {
                throw NetworkError(node: name, field: "shape", "declares \(declared) but receives \(shape)")
            }
            return shape

        case .affine(let weight, _), .linear(let weight):
            let expected = weight.shape[1]
            let given = input!.reduce(1, *)
            guard given == expected else {
                throw NetworkError(node: name, field: "weight",
                                   "shape \(weight.shape) expects \(expected) inputs, but the input has shape \(input!) (\(given) elements)")
            }
            // A multi-dimensional input is read in row-major order, as an implicit flatten.
            return [weight.shape[0]]

        case .convolution(let conv):
            let rank = conv.spatialRank
            guard input!.count == rank + 1 else {
                throw NetworkError(node: name, "expects a (C, \(rank == 1 ? "L" : "H, W")) input, got shape \(input!)")
            }
            guard input![0] == conv.inputChannels else {
                throw NetworkError(node: name, field: "weight",
                                   "shape \(conv.weight.shape) with groups \(conv.groups) expects \(conv.inputChannels) input channels, but the input has shape \(input!)")
            }
            let spatial = Array(input!.dropFirst())
            if let declared = conv.declaredInputSpatialShape, declared != spatial {
                throw NetworkError(node: name, field: "input_shape", "declares \(declared) but the input's spatial shape is \(spatial)")
            }
            let out = conv.outputSpatialShape(inputSpatialShape: spatial)
            guard out.allSatisfy({ $0 > 0 }) else {
                throw NetworkError(node: name, "input \(input!) is smaller than the kernel \(conv.kernelShape) with dilation \(conv.dilation)")
            }
            return [conv.outputChannels] + out

        case .flatten(let flatten):
            if let declared = flatten.declaredInputShape,
               ShapeArithmetic.elementCount(declared) != ShapeArithmetic.elementCount(input!) {
                throw NetworkError(node: name, field: "input_type", "declares \(declared) but the input has shape \(input!)")
            }
            guard let out = flatten.outputShape(input: input!) else {
                throw NetworkError(node: name, field: "start_dim",
                                   "dimensions \(flatten.startDim)...\(flatten.endDim) are out of range for input shape \(input!)")
            }
            return out

        case .sumPool2d(let pool), .avgPool2d(let pool):
            guard input!.count == 3 else {
                throw NetworkError(node: name, "expects a (C, H, W) input, got shape \(input!)")
            }
            let out = pool.outputSpatialShape(inputSpatialShape: Array(input!.dropFirst()))
            guard out.allSatisfy({ $0 > 0 }) else {
                throw NetworkError(node: name, "input \(input!) is smaller than the pooling window \(pool.kernelSize)")
            }
            return [input![0]] + out

        case .scale(let tensor), .threshold(let tensor), .delay(let tensor):
            return try elementwiseShape(node: name, field: fieldName(of: node.kind), parameterShape: tensor.shape, input: input)

        case .neuron(let neurons):
            var parameterShape: [Int] = []
            for tensor in neurons.fields.values { parameterShape = broadcastShapes(parameterShape, tensor.shape) ?? parameterShape }
            let field = neurons.orderedFieldNames.first { neurons.fields[$0]!.shape == parameterShape } ?? neurons.orderedFieldNames[0]
            return try elementwiseShape(node: name, field: field, parameterShape: parameterShape, input: input)
        }
    }

    /// Elementwise nodes take their input's shape; their parameters must broadcast to it.
    private static func elementwiseShape(node: String, field: String, parameterShape: [Int], input: [Int]?) throws(NetworkError) -> [Int] {
        guard let input else { return parameterShape }
        if broadcastShapes(parameterShape, input) == input { return input }
        // Same element count in another layout (e.g. (1, N) params on an (N,) input): take the input's shape.
        if let count = ShapeArithmetic.elementCount(parameterShape), count == ShapeArithmetic.elementCount(input) { return input }
        throw NetworkError(node: node, field: field, "shape \(parameterShape) does not fit the input shape \(input)")
    }

    private static func fieldName(of kind: NodeKind) -> String {
        switch kind {
        case .scale: return "scale"
        case .threshold: return "threshold"
        default: return "delay"
        }
    }
}
