import HDF5Kit
import NetworkModel

/// Turns one NIR node group (its `type` and parameter datasets) into a `NodeKind`.
///
/// Every libhdf5 read of the node happens in `decode`; the kind itself is finished later (`NIRPending`), once the
/// tensors it holds are decoded, in the order `NIRReadSession.settle()` keeps.
enum NIRNodeDecoder {
    static func decode(type: String, _ reader: NIRNodeGroupReader) throws(NIRError) -> NIRPending<NodeKind> {
        if let model = NeuronModel(rawValue: type) {
            return try decodeNeurons(model, reader)
        }
        let session = reader.session
        switch type {
        case "Input":
            try reader.checkMembers(known: ["shape"])
            return NIRPending(value: .input(shape: try shapeField(reader, preferred: "shape", legacy: "input_type")))
        case "Output":
            try reader.checkMembers(known: ["shape"])
            // NIR requires the shape; files of nir 0.0.x stored it as `output_type`.
            return NIRPending(value: .output(declaredShape: try shapeField(reader, preferred: "shape", legacy: "output_type")))
        case "Affine":
            try reader.checkMembers(known: ["weight", "bias"])
            let weight = try reader.tensor("weight")
            let bias = try reader.tensor("bias")
            return session.later { () throws(NIRError) in .affine(weight: try weight.value(), bias: try bias.value()) }
        case "Linear":
            try reader.checkMembers(known: ["weight"])
            let weight = try reader.tensor("weight")
            return session.later { () throws(NIRError) in .linear(weight: try weight.value()) }
        case "Conv1d", "Conv2d":
            let convolution = try decodeConvolution(spatialRank: type == "Conv1d" ? 1 : 2, reader)
            return session.later { () throws(NIRError) in .convolution(try convolution()) }
        case "Flatten":
            try reader.checkMembers(known: ["start_dim", "end_dim", "input_type"])
            return NIRPending(value: .flatten(FlattenParameters(
                startDim: try reader.integer("start_dim"),
                endDim: try reader.integer("end_dim"),
                declaredInputShape: reader.has("input_type") ? try shapeField(reader, preferred: "input_type", legacy: "input_type") : nil)))
        case "SumPool2d", "AvgPool2d":
            try reader.checkMembers(known: ["kernel_size", "stride", "padding"])
            // Every field is required by NIR (PyTorch's defaults are not NIR's to assume).
            let pool = PoolingParameters(
                kernelSize: try reader.spatialIntegers("kernel_size", count: 2),
                stride: try reader.spatialIntegers("stride", count: 2),
                padding: try reader.spatialIntegers("padding", count: 2))
            return NIRPending(value: type == "SumPool2d" ? .sumPool2d(pool) : .avgPool2d(pool))
        case "Scale":
            try reader.checkMembers(known: ["scale"])
            let scale = try reader.tensor("scale")
            return session.later { () throws(NIRError) in .scale(try scale.value()) }
        case "Threshold":
            try reader.checkMembers(known: ["threshold"])
            let threshold = try reader.tensor("threshold")
            return session.later { () throws(NIRError) in .threshold(try threshold.value()) }
        case "Delay":
            try reader.checkMembers(known: ["delay"])
            let delay = try reader.tensor("delay")
            return session.later { () throws(NIRError) in .delay(try delay.value()) }
        default:
            let known = ["Input", "Output", "Affine", "Linear", "Conv1d", "Conv2d", "Flatten", "SumPool2d", "AvgPool2d",
                         "Scale", "Threshold", "Delay"] + NeuronModel.allCases.map(\.rawValue) + ["NIRGraph"]
            throw reader.error("type", "unsupported node type '\(type)' (supported: \(known.joined(separator: ", ")))")
        }
    }

    private static func decodeNeurons(_ model: NeuronModel, _ reader: NIRNodeGroupReader) throws(NIRError) -> NIRPending<NodeKind> {
        try reader.checkMembers(known: Set(model.requiredFields + model.optionalFields))
        var pending: [(name: String, tensor: NIRPendingTensor)] = []
        for name in model.requiredFields { pending.append((name, try reader.tensor(name))) }
        for name in model.optionalFields where reader.has(name) { pending.append((name, try reader.tensor(name))) }
        let (file, node) = (reader.file, reader.node)
        return reader.session.later { () throws(NIRError) -> NodeKind in
            var fields: [String: ParameterTensor] = [:]
            for field in pending { fields[field.name] = try field.tensor.value() }
            let neurons: Result<NeuronParameters, NetworkError> = Result { () throws(NetworkError) in
                try NeuronParameters(model: model, fields: fields, node: node)
            }
            switch neurons {
            case .success(let parameters): return .neuron(parameters)
            case .failure(let error): throw NIRError(file: file, error)
            }
        }
    }

    /// The convolution's fields read, and what makes its parameters once its tensors are decoded.
    private static func decodeConvolution(spatialRank: Int,
                                          _ reader: NIRNodeGroupReader) throws(NIRError) -> () throws(NIRError) -> ConvolutionParameters {
        try reader.checkMembers(known: ["weight", "bias", "stride", "padding", "dilation", "groups", "input_shape"])
        let weight = try reader.tensor("weight")
        guard weight.shape.count == spatialRank + 2 else {
            throw reader.error("weight", "a \(spatialRank == 1 ? "Conv1d" : "Conv2d") weight must have \(spatialRank + 2) dimensions, got shape \(weight.shape)")
        }
        // NIR requires stride, padding, dilation, groups and bias; only input_shape may be absent (it is inferred).
        let padding: ConvolutionPadding
        if !reader.has("padding") {
            throw reader.error("padding", "missing required dataset")
        } else if reader.isString("padding") {
            switch try reader.string("padding") {
            case "same": padding = .same
            case "valid": padding = .valid
            case let other: throw reader.error("padding", "expected \"same\", \"valid\" or integers, got \"\(other)\"")
            }
        } else {
            padding = .explicit(try reader.spatialIntegers("padding", count: spatialRank))
        }
        let bias = try reader.tensor("bias")
        let stride = try reader.spatialIntegers("stride", count: spatialRank)
        let dilation = try reader.spatialIntegers("dilation", count: spatialRank)
        let groups = try reader.integer("groups")
        let declaredInputSpatialShape = reader.has("input_shape") ? try reader.integers("input_shape") : nil
        return { () throws(NIRError) in
            ConvolutionParameters(weight: try weight.value(), bias: try bias.value(), stride: stride, padding: padding,
                                  dilation: dilation, groups: groups, declaredInputSpatialShape: declaredInputSpatialShape)
        }
    }

    /// A shape stored as an integer dataset, or (older files) as a group holding one such dataset.
    private static func shapeField(_ reader: NIRNodeGroupReader, preferred: String, legacy: String) throws(NIRError) -> [Int] {
        for field in [preferred, legacy] where reader.has(field) {
            if (try? reader.group.kind(of: field)) == .group {
                let inner: HDF5Group
                let names: [String]
                do {
                    try reader.requireHardLink(field)
                    inner = try reader.group.openGroup(field)
                    names = try inner.memberNames()
                } catch {
                    throw reader.error(field, "cannot read: \(error)")
                }
                guard names.count == 1 else { throw reader.error(field, "expected one shape, found \(names.count)") }
                return try NIRNodeGroupReader(group: inner, session: reader.session, node: reader.node).integers(names[0])
            }
            return try reader.integers(field)
        }
        throw reader.error(preferred, "missing required dataset")
    }
}
