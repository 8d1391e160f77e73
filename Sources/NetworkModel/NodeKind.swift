/// What a node computes, with its parameters. Mirrors the NIR primitives NeuroCost supports.
public enum NodeKind: Sendable, Equatable {
    /// Graph entry: external data of this shape (no batch or time dimension).
    case input(shape: [Int])
    /// Graph exit: the sum of its inputs. Files state a shape, which may disagree in rank with the data (rockpool).
    case output(declaredShape: [Int]?)
    /// `y = W·x + b`, weight `(out, in)`.
    case affine(weight: ParameterTensor, bias: ParameterTensor)
    /// `y = W·x`, weight `(out, in)`.
    case linear(weight: ParameterTensor)
    /// `Conv1d` or `Conv2d` (by the weight's rank).
    case convolution(ConvolutionParameters)
    case flatten(FlattenParameters)
    case sumPool2d(PoolingParameters)
    case avgPool2d(PoolingParameters)
    /// Elementwise `y = s ⊙ x`.
    case scale(ParameterTensor)
    /// Stateless spike generator: `z = 1` where `x > θ`.
    case threshold(ParameterTensor)
    /// `y(t) = x(t − τ)`, τ in the exporter's time unit.
    case delay(ParameterTensor)
    /// A population of neurons (IF, LIF, CubaLIF, I, LI, CubaLI).
    case neuron(NeuronParameters)

    /// The NIR `type` string.
    public var nirTypeName: String {
        switch self {
        case .input: return "Input"
        case .output: return "Output"
        case .affine: return "Affine"
        case .linear: return "Linear"
        case .convolution(let conv): return conv.spatialRank == 1 ? "Conv1d" : "Conv2d"
        case .flatten: return "Flatten"
        case .sumPool2d: return "SumPool2d"
        case .avgPool2d: return "AvgPool2d"
        case .scale: return "Scale"
        case .threshold: return "Threshold"
        case .delay: return "Delay"
        case .neuron(let neurons): return neurons.model.rawValue
        }
    }

    /// True for nodes whose output is binary spikes (IF, LIF, CubaLIF and Threshold).
    public var emitsSpikes: Bool {
        switch self {
        case .threshold: return true
        case .neuron(let neurons): return neurons.model.emitsSpikes
        default: return false
        }
    }

    /// True for nodes that hold per-neuron state across steps.
    public var isNeuronPopulation: Bool {
        if case .neuron = self { return true }
        return false
    }

    /// The weight tensor of a synaptic node (Affine, Linear, convolutions, Scale).
    public var weight: ParameterTensor? {
        switch self {
        case .affine(let weight, _), .linear(let weight): return weight
        case .convolution(let conv): return conv.weight
        case .scale(let scale): return scale
        default: return nil
        }
    }

    /// The bias tensor, if the node has one.
    public var bias: ParameterTensor? {
        switch self {
        case .affine(_, let bias): return bias
        case .convolution(let conv): return conv.bias
        default: return nil
        }
    }

    /// Every floating-point parameter of the node with its NIR field name.
    public var namedTensors: [(field: String, tensor: ParameterTensor)] {
        switch self {
        case .affine(let weight, let bias): return [("weight", weight), ("bias", bias)]
        case .linear(let weight): return [("weight", weight)]
        case .convolution(let conv): return [("weight", conv.weight)] + (conv.bias.map { [("bias", $0)] } ?? [])
        case .scale(let scale): return [("scale", scale)]
        case .threshold(let threshold): return [("threshold", threshold)]
        case .delay(let delay): return [("delay", delay)]
        case .neuron(let neurons): return neurons.orderedFieldNames.map { ($0, neurons.fields[$0]!) }
        case .input, .output, .flatten, .sumPool2d, .avgPool2d: return []
        }
    }

    /// Every integer parameter of the node with its NIR field name, normalised (scalars repeated per axis).
    public var namedIntegers: [(field: String, values: [Int])] {
        switch self {
        case .input(let shape): return [("shape", shape)]
        case .output(let declared): return declared.map { [("shape", $0)] } ?? []
        case .convolution(let conv):
            var fields: [(field: String, values: [Int])] = [("stride", conv.stride), ("dilation", conv.dilation), ("groups", [conv.groups])]
            if case .explicit(let amounts) = conv.padding { fields.append(("padding", amounts)) }
            if let declared = conv.declaredInputSpatialShape { fields.append(("input_shape", declared)) }
            return fields
        case .flatten(let flatten):
            return [("start_dim", [flatten.startDim]), ("end_dim", [flatten.endDim])]
                + (flatten.declaredInputShape.map { [("input_type", $0)] } ?? [])
        case .sumPool2d(let pool), .avgPool2d(let pool):
            return [("kernel_size", pool.kernelSize), ("stride", pool.stride), ("padding", pool.padding)]
        case .affine, .linear, .scale, .threshold, .delay, .neuron:
            return []
        }
    }
}
