/// Checks on a node's own parameters, before its neighbours are considered: finite values and usable ranks.
enum ParameterChecks {
    static func validate(_ node: Node) throws(NetworkError) {
        for (field, tensor) in node.kind.namedTensors {
            if let bad = tensor.firstNonFiniteIndex {
                let value = tensor.value(at: bad)
                // τ = +∞ (no leak) and r = +∞ are what snntorch writes for β = 1; the simulator decides per framework.
                let infinityAllowed = node.kind.isNeuronPopulation && ["tau", "tau_mem", "tau_syn", "r"].contains(field)
                    && tensor.doubleValues.allSatisfy { !$0.isNaN && $0 != -.infinity }
                if !infinityAllowed {
                    throw NetworkError(node: node.name, field: field,
                                       "\(value.isNaN ? "NaN" : "infinite value") at flat index \(bad) of shape \(tensor.shape)")
                }
            }
        }
        switch node.kind {
        case .affine(let weight, let bias):
            try checkMatrix(weight, node: node.name)
            guard bias.shape == [weight.shape[0]] else {
                throw NetworkError(node: node.name, field: "bias", "expected shape [\(weight.shape[0])] to match weight \(weight.shape), got \(bias.shape)")
            }
        case .linear(let weight):
            try checkMatrix(weight, node: node.name)
        case .convolution(let conv):
            try conv.validate(node: node.name)
        case .sumPool2d(let pool), .avgPool2d(let pool):
            try pool.validate(node: node.name)
        case .input(let shape):
            guard shape.allSatisfy({ $0 > 0 }) else {
                throw NetworkError(node: node.name, field: "shape", "every dimension must be positive, got \(shape)")
            }
            guard let count = ShapeArithmetic.elementCount(shape), count <= ShapeArithmetic.maxElementsPerNode else {
                throw NetworkError(node: node.name, field: "shape", "\(shape) has more than \(ShapeArithmetic.maxElementsPerNode) elements (NeuroCost's limit per node)")
            }
        case .neuron(let neurons):
            // A time constant ≤ 0 makes the leak grow instead of decay (or divides by zero); +∞ means no leak.
            for name in ["tau", "tau_mem", "tau_syn"] {
                guard let tensor = neurons.fields[name], let bad = tensor.firstIndex(where: { !($0 > 0) }) else { continue }
                throw NetworkError(node: node.name, field: name,
                                   "time constants must be positive, found \(tensor.value(at: bad)) at flat index \(bad) of shape \(tensor.shape)")
            }
            // All parameters of a population must broadcast to one shape (nir asserts equal shapes).
            var common: [Int] = []
            for name in neurons.orderedFieldNames {
                guard let merged = broadcastShapes(common, neurons.fields[name]!.shape) else {
                    throw NetworkError(node: node.name, field: name,
                                       "shape \(neurons.fields[name]!.shape) does not broadcast with the other parameters' shape \(common)")
                }
                common = merged
            }
        case .output, .flatten, .scale, .threshold, .delay:
            break
        }
    }

    private static func checkMatrix(_ weight: ParameterTensor, node: String) throws(NetworkError) {
        guard weight.shape.count == 2, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw NetworkError(node: node, field: "weight", "expected a 2-D (out, in) matrix, got shape \(weight.shape)")
        }
    }
}

/// numpy's broadcast of two shapes, or nil when they do not broadcast.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let x = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
        let y = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
        guard x == y || x == 1 || y == 1 else { return nil }
        result[axis] = x == 1 ? y : x
    }
    return result
}
