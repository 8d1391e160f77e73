/// How a convolution pads its input, as NIR files may state it.
public enum ConvolutionPadding: Sendable, Equatable {
    /// Symmetric zero padding per spatial axis (PyTorch `padding=(pH, pW)`).
    case explicit([Int])
    /// Output as large as the input (PyTorch `padding="same"`, stride 1 only); extra padding goes after.
    case same
    /// No padding.
    case valid
}

/// A 1-D or 2-D convolution with PyTorch semantics (cross-correlation, weights `(C_out, C_in/groups, k...)`).
public struct ConvolutionParameters: Sendable, Equatable {
    public var weight: ParameterTensor
    public var bias: ParameterTensor?
    public var stride: [Int]
    public var padding: ConvolutionPadding
    public var dilation: [Int]
    public var groups: Int
    /// The input's spatial shape when the file states it (NIR `input_shape`); otherwise inferred from the predecessor.
    public var declaredInputSpatialShape: [Int]?

    public init(weight: ParameterTensor, bias: ParameterTensor?, stride: [Int], padding: ConvolutionPadding,
                dilation: [Int], groups: Int, declaredInputSpatialShape: [Int]?) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.declaredInputSpatialShape = declaredInputSpatialShape
    }

    /// Number of spatial axes (1 or 2), from the weight's rank.
    public var spatialRank: Int { weight.shape.count - 2 }
    public var outputChannels: Int { weight.shape[0] }
    /// Input channels a group sees (`weight.shape[1]`).
    public var inputChannelsPerGroup: Int { weight.shape[1] }
    /// Total input channels: `weight.shape[1] × groups` (NIR's own type inference gets this wrong for groups > 1).
    public var inputChannels: Int { weight.shape[1] * groups }
    public var outputChannelsPerGroup: Int { weight.shape[0] / groups }
    public var kernelShape: [Int] { Array(weight.shape.dropFirst(2)) }
    /// Taps one output element reads: `C_in/groups × Π kernel`.
    public var fanIn: Int { weight.shape.dropFirst().reduce(1, *) }

    /// Zero padding before and after the input along each spatial axis, for an input of this spatial shape.
    public func paddingPerAxis(inputSpatialShape: [Int]) -> [(before: Int, after: Int)] {
        switch padding {
        case .valid:
            return Array(repeating: (0, 0), count: spatialRank)
        case .explicit(let amounts):
            return amounts.map { ($0, $0) }
        case .same:
            // PyTorch: total = dilation·(k−1), the smaller half before.
            return (0..<spatialRank).map { axis in
                let total = dilation[axis] * (kernelShape[axis] - 1)
                return (total / 2, total - total / 2)
            }
        }
    }

    /// The output's spatial shape for an input of this spatial shape (PyTorch floor rule).
    public func outputSpatialShape(inputSpatialShape: [Int]) -> [Int] {
        let pads = paddingPerAxis(inputSpatialShape: inputSpatialShape)
        return (0..<spatialRank).map { axis in
            let span = dilation[axis] * (kernelShape[axis] - 1) + 1
            let padded = inputSpatialShape[axis] + pads[axis].before + pads[axis].after
            return padded < span ? 0 : (padded - span) / stride[axis] + 1
        }
    }

    /// Checks the integer fields are usable; shapes against neighbours are checked during inference.
    func validate(node: String) throws(NetworkError) {
        guard weight.shape.count == 3 || weight.shape.count == 4 else {
            throw NetworkError(node: node, field: "weight", "expected a 3-D (1-D conv) or 4-D (2-D conv) weight, got shape \(weight.shape)")
        }
        guard weight.shape.allSatisfy({ $0 > 0 }) else {
            throw NetworkError(node: node, field: "weight", "every dimension must be positive, got shape \(weight.shape)")
        }
        guard groups >= 1, outputChannels % groups == 0 else {
            throw NetworkError(node: node, field: "groups", "groups must be ≥ 1 and divide the \(outputChannels) output channels, got \(groups)")
        }
        guard stride.count == spatialRank, stride.allSatisfy({ $0 >= 1 }) else {
            throw NetworkError(node: node, field: "stride", "expected \(spatialRank) positive value(s), got \(stride)")
        }
        guard dilation.count == spatialRank, dilation.allSatisfy({ $0 >= 1 }) else {
            throw NetworkError(node: node, field: "dilation", "expected \(spatialRank) positive value(s), got \(dilation)")
        }
        for (field, values) in [("stride", stride), ("dilation", dilation), ("groups", [groups])]
        where values.contains(where: { $0 > ShapeArithmetic.maxSetting }) {
            throw NetworkError(node: node, field: field, "\(values) exceeds NeuroCost's limit of \(ShapeArithmetic.maxSetting)")
        }
        switch padding {
        case .explicit(let amounts):
            guard amounts.count == spatialRank, amounts.allSatisfy({ $0 >= 0 && $0 <= ShapeArithmetic.maxSetting }) else {
                throw NetworkError(node: node, field: "padding", "expected \(spatialRank) value(s) in 0...\(ShapeArithmetic.maxSetting), got \(amounts)")
            }
        case .same:
            guard stride.allSatisfy({ $0 == 1 }) else {
                throw NetworkError(node: node, field: "padding", "padding \"same\" requires stride 1 (as in PyTorch), got stride \(stride)")
            }
        case .valid:
            break
        }
        if let bias, bias.shape != [outputChannels] {
            throw NetworkError(node: node, field: "bias", "expected shape [\(outputChannels)], got \(bias.shape)")
        }
        if let declared = declaredInputSpatialShape, declared.count != spatialRank {
            throw NetworkError(node: node, field: "input_shape", "expected \(spatialRank) value(s), got \(declared)")
        }
    }
}
