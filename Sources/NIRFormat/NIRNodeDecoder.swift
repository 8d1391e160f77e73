import HDF5Kit
import NetworkModel

/// Turns one NIR node group (its `type` and parameter datasets) into a `NodeKind`.
enum NIRNodeDecoder {
    static func decode(type: String, _ reader: NIRNodeGroupReader) throws(NIRError) -> NodeKind {
        if let model = NeuronModel(rawValue: type) {
            return try decodeNeurons(model, reader)
        }
        switch type {
        case "Input":
            try reader.checkMembers(known: ["shape"])
            return .input(shape: try shapeField(reader, preferred: "shape", legacy: "input_type"))
        case "Output":
            try reader.checkMembers(known: ["shape"])
            // NIR requires the shape; files of nir 0.0.x stored it as `output_type`.
            return .output(declaredShape: try shapeField(reader, preferred: "shape", legacy: "output_type"))
        case "Affine":
            try reader.checkMembers(known: ["weight", "bias"])
            return .affine(weight: try reader.tensor("weight"), bias: try reader.tensor("bias"))
        case "Linear":
            try reader.checkMembers(known: ["weight"])
            return .linear(weight: try reader.tensor("weight"))
        case "Conv1d", "Conv2d":
            return .convolution(try decodeConvolution(spatialRank: type == "Conv1d" ? 1 : 2, reader))
        case "Flatten":
            try reader.checkMembers(known: ["start_dim", "end_dim", "input_type"])
            return .flatten(FlattenParameters(
                startDim: try reader.integer("start_dim"),
                endDim: try reader.integer("end_dim"),
                declaredInputShape: reader.has("input_type") ? try shapeField(reader, preferred: "input_type", legacy: "input_type") : nil))
        case "SumPool2d", "AvgPool2d":
            try reader.checkMembers(known: ["kernel_size", "stride", "padding"])
            // Every field is required by NIR (PyTorch's defaults are not NIR's to assume).
            let pool = PoolingParameters(
                kernelSize: try reader.spatialIntegers("kernel_size", count: 2),
                stride: try reader.spatialIntegers("stride", count: 2),
                padding: try reader.spatialIntegers("padding", count: 2))
            return type == "SumPool2d" ? .sumPool2d(pool) : .avgPool2d(pool)
        case "Scale":
            try reader.checkMembers(known: ["scale"])
            return .scale(try reader.tensor("scale"))
        case "Threshold":
            try reader.checkMembers(known: ["threshold"])
            return .threshold(try reader.tensor("threshold"))
        case "Delay":
            try reader.checkMembers(known: ["delay"])
            return .delay(try reader.tensor("delay"))
        default:
            let known = ["Input", "Output", "Affine", "Linear", "Conv1d", "Conv2d", "Flatten", "SumPool2d", "AvgPool2d",
                         "Scale", "Threshold", "Delay"] + NeuronModel.allCases.map(\.rawValue) + ["NIRGraph"]
            throw reader.error("type", "unsupported node type '\(type)' (supported: \(known.joined(separator: ", ")))")
        }
    }

    private static func decodeNeurons(_ model: NeuronModel, _ reader: NIRNodeGroupReader) throws(NIRError) -> NodeKind {
        try reader.checkMembers(known: Set(model.requiredFields + model.optionalFields))
        var fields: [String: ParameterTensor] = [:]
        for name in model.requiredFields { fields[name] = try reader.tensor(name) }
        for name in model.optionalFields where reader.has(name) { fields[name] = try reader.tensor(name) }
        do {
            return .neuron(try NeuronParameters(model: model, fields: fields, node: reader.node))
        } catch {
            throw NIRError(file: reader.file, error)
        }
    }

    private static func decodeConvolution(spatialRank: Int, _ reader: NIRNodeGroupReader) throws(NIRError) -> ConvolutionParameters {
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
        return ConvolutionParameters(
            weight: weight,
            bias: try reader.tensor("bias"),
            stride: try reader.spatialIntegers("stride", count: spatialRank),
            padding: padding,
            dilation: try reader.spatialIntegers("dilation", count: spatialRank),
            groups: try reader.integer("groups"),
            declaredInputSpatialShape: reader.has("input_shape") ? try reader.integers("input_shape") : nil)
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
