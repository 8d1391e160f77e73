import HDF5Kit
import NetworkModel

/// Reads a `metadata/` group: strings, integers (booleans are stored as an int8 enum) and floats.
/// Nested groups are read with `outer/inner` keys. Metadata is informative only.
enum NIRMetadataReader {
    /// Metadata groups nested deeper than this are refused (a hard link back to a parent would loop forever).
    static let maxDepth = 8

    static func read(_ owner: NIRNodeGroupReader, field: String) throws(NIRError) -> [String: MetadataValue] {
        var result: [String: MetadataValue] = [:]
        do {
            try owner.requireHardLink(field)
            let group = try owner.group.openGroup(field)
            try collect(group: group, owner: owner, field: field, keyPrefix: "", depth: 0, into: &result)
        } catch let nir as NIRError {
            throw nir
        } catch {
            throw owner.error(field, "cannot read metadata: \(error)")
        }
        return result
    }

    private static func collect(group: HDF5Group, owner: NIRNodeGroupReader, field: String, keyPrefix: String, depth: Int,
                                into result: inout [String: MetadataValue]) throws {
        guard depth < maxDepth else {
            throw owner.error(field, "metadata groups nested more than \(maxDepth) levels deep at '\(keyPrefix)'")
        }
        let groupReader = NIRNodeGroupReader(group: group, session: owner.session, node: owner.node)
        let threads = owner.session.options.threads
        for name in try group.memberNames() {
            let key = keyPrefix + name
            try groupReader.requireHardLink(name)
            if try group.kind(of: name) == .group {
                try collect(group: try group.openGroup(name), owner: owner, field: field, keyPrefix: key + "/", depth: depth + 1,
                            into: &result)
                continue
            }
            let dataset = try group.openDataset(name)
            let shape = try dataset.shape
            try groupReader.commitMemory(for: shape, field: "\(field)/\(key)")
            switch try dataset.elementType {
            case .string:
                let values = try dataset.readStrings()
                result[key] = shape.isEmpty ? .string(values[0]) : .strings(values, shape: shape)
            case .signedInteger, .unsignedInteger, .enumeration:
                result[key] = .integers(try dataset.read(as: Int64.self, decoding: .fastest, threads: threads), shape: shape)
            case .float(bytes: 4):
                let values = try dataset.read(as: Float.self, decoding: .fastest, threads: threads)
                result[key] = .floats(try ParameterTensor(shape: shape, float32: values))
            case .float:
                let values = try dataset.read(as: Double.self, decoding: .fastest, threads: threads)
                result[key] = .floats(try ParameterTensor(shape: shape, float64: values))
            case .other:
                continue  // compound or opaque metadata: nothing NeuroCost can use or rewrite faithfully
            }
        }
    }
}
