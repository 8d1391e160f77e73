import HDF5Kit
import NetworkModel

/// Writes a network as a NIR file in nir 1.0.8's layout (arrays chunked and deflated, scalars and strings
/// contiguous, vlen UTF-8 strings), so that the Python `nir` package reads it back unchanged.
public enum NIRWriter {
    /// The `/version` string written: the nir release whose layout this writer follows.
    public static let formatVersion = "1.0.8"

    /// Writes `network` to `path`. An existing file is replaced only when `overwrite` is true.
    public static func write(_ network: Network, to path: String, overwrite: Bool = false) throws(NIRError) {
        var replacement: ReplacementFile?
        do {
            // Written beside the destination and renamed when complete: an existing file is never half-replaced.
            let target = try ReplacementFile(destination: path, overwrite: overwrite)
            replacement = target
            // Every group and dataset is released when `writeContents` returns, so closing really closes the file
            // (libhdf5 keeps a file open, and locked, while any object of it is open) before it is renamed.
            let file = try HDF5File(path: target.temporaryPath, mode: .truncate)
            do {
                try writeContents(network, path: path, into: file)
                try file.flush()
            } catch {
                file.close()
                throw error
            }
            file.close()
            try target.commit()
        } catch let error as NIRError {
            replacement?.discard()
            throw error
        } catch let error as HDF5Error {
            replacement?.discard()
            throw NIRError(file: path, "cannot write (\(error.objectPath): \(error.message))")
        } catch {
            replacement?.discard()
            throw NIRError(file: path, "cannot write: \(error)")
        }
    }

    private static func writeContents(_ network: Network, path: String, into file: HDF5File) throws {
        try file.writeStringDataset("version", [formatVersion], shape: [])
        let graph = try file.createGroup("node")
        try graph.writeStringDataset("type", ["NIRGraph"], shape: [])
        let edges = network.namedEdges
        if edges.isEmpty {
            // nir writes an empty edge list as a float64 array of shape (0,).
            try graph.writeDataset("edges", [Double](), shape: [0])
        } else {
            try graph.writeStringDataset("edges", edges.flatMap { [$0.source, $0.target] }, shape: [edges.count, 2])
        }
        try NIRMetadataWriter.write(network.metadata, into: graph)
        let nodes = try graph.createGroup("nodes")
        for index in network.nodes.indices {
            let node = network.nodes[index]
            guard !node.name.contains("/") else {
                throw NIRError(file: path, node: node.name, "a node name cannot contain '/' in an HDF5 file")
            }
            let group = try nodes.createGroup(node.name)
            try group.writeStringDataset("type", [node.kind.nirTypeName], shape: [])
            try writeFields(of: node, inputShape: network.inputShapes[index], outputShape: network.outputShapes[index], into: group)
            try NIRMetadataWriter.write(node.metadata, into: group)
        }
    }

    private static func writeFields(of node: Node, inputShape: [Int], outputShape: [Int], into group: HDF5Group) throws {
        switch node.kind {
        case .input(let shape):
            try writeIntegers("shape", shape, into: group)
        case .output(let declared):
            try writeIntegers("shape", declared ?? outputShape, into: group)
        case .affine(let weight, let bias):
            try writeTensor("weight", weight, into: group)
            try writeTensor("bias", bias, into: group)
        case .linear(let weight):
            try writeTensor("weight", weight, into: group)
        case .convolution(let conv):
            try writeTensor("weight", conv.weight, into: group)
            // nir requires a bias; exporters write zeros when the layer has none.
            let bias = try conv.bias ?? zeros(like: conv.weight, count: conv.outputChannels)
            try writeTensor("bias", bias, into: group)
            try writeIntegers("stride", conv.stride, into: group)
            switch conv.padding {
            case .explicit(let amounts): try writeIntegers("padding", amounts, into: group)
            case .same: try group.writeStringDataset("padding", ["same"], shape: [])
            case .valid: try group.writeStringDataset("padding", ["valid"], shape: [])
            }
            try writeIntegers("dilation", conv.dilation, into: group)
            try group.writeDataset("groups", [Int64(conv.groups)], shape: [])
            let spatial = Array(inputShape.dropFirst())
            if conv.spatialRank == 1 {
                // nir's Conv1d takes `input_shape` as a plain integer and fails on a 1-element array.
                try group.writeDataset("input_shape", [Int64(spatial[0])], shape: [])
            } else {
                try writeIntegers("input_shape", spatial, into: group)
            }
        case .flatten(let flatten):
            try group.writeDataset("start_dim", [Int64(flatten.startDim)], shape: [])
            try group.writeDataset("end_dim", [Int64(flatten.endDim)], shape: [])
            try writeIntegers("input_type", inputShape, into: group)
        case .sumPool2d(let pool), .avgPool2d(let pool):
            try writeIntegers("kernel_size", pool.kernelSize, into: group)
            try writeIntegers("stride", pool.stride, into: group)
            try writeIntegers("padding", pool.padding, into: group)
        case .scale(let tensor):
            try writeTensor("scale", tensor, into: group)
        case .threshold(let tensor):
            try writeTensor("threshold", tensor, into: group)
        case .delay(let tensor):
            try writeTensor("delay", tensor, into: group)
        case .neuron(let neurons):
            for name in neurons.orderedFieldNames { try writeTensor(name, neurons.fields[name]!, into: group) }
        }
    }

    /// Arrays are chunked (one chunk) and deflated like nir 1.0.8; rank-0 and empty tensors stay contiguous.
    static func writeTensor(_ name: String, _ tensor: ParameterTensor, into group: HDF5Group) throws {
        let compress = !tensor.shape.isEmpty && tensor.count > 0
        let chunks = compress ? tensor.shape : nil
        let level = compress ? 4 : nil
        switch tensor.storage {
        case .float32(let values):
            try group.writeDataset(name, values, shape: tensor.shape, chunks: chunks, deflateLevel: level)
        case .float64(let values):
            try group.writeDataset(name, values, shape: tensor.shape, chunks: chunks, deflateLevel: level)
        }
    }

    private static func writeIntegers(_ name: String, _ values: [Int], into group: HDF5Group) throws {
        try group.writeDataset(name, values.map { Int64($0) }, shape: [values.count])
    }

    private static func zeros(like tensor: ParameterTensor, count: Int) throws -> ParameterTensor {
        tensor.isDoublePrecision
            ? try ParameterTensor(shape: [count], float64: Array(repeating: 0, count: count))
            : try ParameterTensor(shape: [count], float32: Array(repeating: 0, count: count))
    }
}

/// Writes a `metadata/` group (only when there is metadata, as nir does).
enum NIRMetadataWriter {
    static func write(_ metadata: [String: MetadataValue], into owner: HDF5Group) throws {
        guard !metadata.isEmpty else { return }
        let group = try owner.createGroup("metadata")
        for key in metadata.keys.sorted() {
            // Keys read from nested groups come back as `outer/inner`.
            var parent = group
            let parts = key.split(separator: "/").map(String.init)
            for part in parts.dropLast() {
                parent = parent.exists(part) ? try parent.openGroup(part) : try parent.createGroup(part)
            }
            let name = parts.last ?? key
            switch metadata[key]! {
            case .string(let value): try parent.writeStringDataset(name, [value], shape: [])
            case .strings(let values, let shape): try parent.writeStringDataset(name, values, shape: shape)
            case .integers(let values, let shape): try parent.writeDataset(name, values, shape: shape)
            case .floats(let tensor): try NIRWriter.writeTensor(name, tensor, into: parent)
            }
        }
    }
}
