import HDF5Kit
import NetworkModel

/// Reads the datasets of one NIR node group, turning every failure into a `NIRError` that names the node and field.
struct NIRNodeGroupReader {
    let group: HDF5Group
    let session: NIRReadSession
    let node: String

    var file: String { session.file }

    func error(_ field: String?, _ message: String) -> NIRError {
        NIRError(file: file, node: node, field: field, message)
    }

    func has(_ field: String) -> Bool { group.exists(field) }

    private func dataset(_ field: String) throws(NIRError) -> HDF5Dataset {
        // The common case in two lookups: the open succeeds, and the link it followed is a hard one. Anything else
        // takes the checks below, in their order, so a bad file is reported as before.
        if let set = try? group.openDataset(field), (try? group.linkKind(of: field)) == .hard { return set }
        guard group.exists(field) else { throw error(field, "missing required dataset") }
        do {
            try requireHardLink(field)
            // One open that also checks the kind (a separate kind check opened the object a second time).
            return try group.openDataset(field)
        } catch let hdf5 as HDF5Error where hdf5.message == "is a group, not a dataset" {
            throw error(field, "expected a dataset, found a group")
        } catch let nir as NIRError {
            throw nir
        } catch {
            throw self.error(field, "cannot open: \(error)")
        }
    }

    /// A scalar string dataset (such as `type`).
    func string(_ field: String) throws(NIRError) -> String {
        let set = try dataset(field)
        do {
            // Checked before reading, so a string array declaring billions of entries is not allocated.
            let count = try set.elementCount
            guard count == 1 else { throw error(field, "expected one string, found \(count)") }
            let values = try set.readStrings()
            guard values.count == 1 else { throw error(field, "expected one string, found \(values.count)") }
            return values[0]
        } catch let nir as NIRError {
            throw nir
        } catch {
            throw self.error(field, "expected a string: \(error)")
        }
    }

    /// Whether the field is stored as a string (for `padding`, which may be "same"/"valid").
    func isString(_ field: String) -> Bool {
        guard let set = try? group.openDataset(field), let type = try? set.elementType else { return false }
        if case .string = type { return true }
        return false
    }

    /// A floating-point parameter at the file's precision (integer datasets are widened to float64).
    ///
    /// Everything libhdf5 does for it happens here, and its errors are thrown here; the chunks' inflating runs on the
    /// session's pool while the walk goes on, and its errors (a damaged chunk, values the tensor refuses) are thrown
    /// by `value()`, which `NIRReadSession.settle()` calls in the walk's order.
    func tensor(_ field: String) throws(NIRError) -> NIRPendingTensor {
        let set = try dataset(field)
        do {
            let shape = try set.shape
            try commitMemory(for: shape, field: field)
            // A tensor large enough to keep its non-zero list is asked for its non-zeros alone: a pruned weight is
            // then never made dense (inflating, placing and scanning 61 MB for a pruned VGG-16 was most of reading).
            // The decoder takes a dense tensor's census only then (a small tensor is counted from its values).
            let limit = ShapeArithmetic.elementCount(shape).flatMap { ParameterTensor.nonZeroListLimit(count: $0) }
            switch try set.elementType {
            case .float(bytes: 4):
                return try pendingRead(set, field, shape: shape, as: Float.self, sparseLimit: limit,
                                       dense: { try Self.tensor(shape: shape, storage: .float32($0), census: $1) },
                                       sparse: { try ParameterTensor(shape: shape, nonZeroIndices: $0, float32: $1, negativeZeros: $2) })
            case .float(bytes: 8):
                return try pendingRead(set, field, shape: shape, as: Double.self, sparseLimit: limit,
                                       dense: { try Self.tensor(shape: shape, storage: .float64($0), census: $1) },
                                       sparse: { try ParameterTensor(shape: shape, nonZeroIndices: $0, float64: $1, negativeZeros: $2) })
            case .float, .signedInteger, .unsignedInteger:
                let tensor = try ParameterTensor(shape: shape, float64: set.read(as: Double.self, decoding: .fastest,
                                                                                threads: session.options.threads))
                return NIRPendingTensor(shape: shape, pending: NIRPending(value: tensor))
            case let other:
                throw error(field, "expected a numeric array, found \(other)")
            }
        } catch let nir as NIRError {
            throw nir
        } catch let network as NetworkError {
            throw NIRError(file: file, node: node, field: field, network.message)
        } catch {
            throw self.error(field, "cannot read: \(error)")
        }
    }

    /// A float dataset's libhdf5 half read now and its chunks handed to the session's pool: the tensor is made dense
    /// (with the decoder's census when it took one) or, when `sparseLimit` is given and the values have at most that
    /// many non-zeros, from its non-zeros, once decoded.
    private func pendingRead<T: HDF5Numeric>(_ set: HDF5Dataset, _ field: String, shape: [Int], as type: T.Type,
                                             sparseLimit: Int?,
                                             dense: @escaping ([T], HDF5FloatCensus?) throws -> ParameterTensor,
                                             sparse: @escaping ([Int32], [T], [UInt64]?) throws -> ParameterTensor) throws -> NIRPendingTensor {
        let read = try set.readLater(as: T.self, decoding: .fastest, threads: session.options.threads,
                                     sparseLimit: sparseLimit, census: sparseLimit != nil)
        let decoding = read.start(on: session.pool)
        let tensor = pendingTensor(field, shape: shape) {
            let decoded = try decoding.values()
            switch decoded.values {
            case .dense(let values): return try dense(values, decoded.census)
            case .sparse(let indices, let values, let negativeZeros, _): return try sparse(indices, values, negativeZeros)
            }
        }
        try session.holdRawBytes(read.rawBytes)
        return tensor
    }

    /// A tensor `finish` makes once its chunks are decoded, registered with the session; its errors name the file,
    /// node and field as a read on the spot names them.
    private func pendingTensor(_ field: String, shape: [Int],
                               _ finish: @escaping () throws -> ParameterTensor) -> NIRPendingTensor {
        let (file, node) = (file, node)
        let pending = session.later { () throws(NIRError) -> ParameterTensor in
            do {
                return try finish()
            } catch let nir as NIRError {
                throw nir
            } catch let network as NetworkError {
                throw NIRError(file: file, node: node, field: field, network.message)
            } catch {
                throw NIRError(file: file, node: node, field: field, "cannot read: \(error)")
            }
        }
        return NIRPendingTensor(shape: shape, pending: pending)
    }

    /// Integers stored as a scalar or a 1-D array of any integer width.
    func integers(_ field: String) throws(NIRError) -> [Int] {
        let set = try dataset(field)
        do {
            let shape = try set.shape
            guard shape.count <= 1 else { throw error(field, "expected a scalar or 1-D integer array, found shape \(shape)") }
            guard (shape.first ?? 1) <= NIRReadOptions.maxIntegerCount else {
                throw error(field, "expected at most \(NIRReadOptions.maxIntegerCount) integers, found \(shape[0])")
            }
            let limit = NIRReadOptions.maxIntegerMagnitude
            let values: [Int]
            switch try set.elementType {
            case .signedInteger, .unsignedInteger, .enumeration:
                // Unsigned values past Int64.max arrive wrapped negative; the bound below rejects them either way.
                let raw = try set.read(as: Int64.self)
                guard raw.allSatisfy({ $0.magnitude <= UInt64(limit) }) else {
                    throw error(field, "\(raw) exceeds the limit of ±\(limit) for a size or setting")
                }
                values = raw.map { Int($0) }
            case .float:
                // Some writers store shapes as floats; accept only exact integers.
                let raw = try set.read(as: Double.self)
                guard raw.allSatisfy({ $0 == $0.rounded() && abs($0) <= Double(limit) }) else {
                    throw error(field, "expected integers within ±\(limit), found \(raw)")
                }
                values = raw.map { Int($0) }
            case let other:
                throw error(field, "expected integers, found \(other)")
            }
            return values
        } catch let nir as NIRError {
            throw nir
        } catch {
            throw self.error(field, "cannot read: \(error)")
        }
    }

    /// Integers for `count` spatial axes: a scalar or a 1-element array repeats.
    func spatialIntegers(_ field: String, count: Int) throws(NIRError) -> [Int] {
        let values = try integers(field)
        if values.count == 1 { return Array(repeating: values[0], count: count) }
        guard values.count == count else { throw error(field, "expected 1 or \(count) value(s), found \(values)") }
        return values
    }

    /// A single integer (a scalar or a 1-element array).
    func integer(_ field: String) throws(NIRError) -> Int {
        let values = try integers(field)
        guard values.count == 1 else { throw error(field, "expected one integer, found \(values)") }
        return values[0]
    }

    /// Checks every member of the node group: each must be a hard link, and each name a field of `known` (or
    /// `type`, `metadata` and the legacy type fields). An unknown field is an error, or, when the options say so,
    /// is skipped and recorded.
    func checkMembers(known: Set<String>) throws(NIRError) {
        let members: [String]
        do { members = try group.memberNames() } catch { throw self.error(nil, "cannot list datasets: \(error)") }
        let ignorable: Set<String> = ["type", "metadata", "input_type", "output_type"]
        for member in members {
            try requireHardLink(member)
            guard !known.contains(member), !ignorable.contains(member) else { continue }
            if session.options.ignoreUnknownFields {
                session.ignoredFields.append(IgnoredField(node: node, field: member))
            } else {
                throw error(member, "not a field of this node type in the NIR versions NeuroCost reads (expected some of: \(known.sorted().joined(separator: ", "))); if a newer NIR added it, --ignore-unknown-fields reads the rest and lists what was ignored")
            }
        }
    }

    /// Soft and external links can dangle, loop, or reach into other files; NIR writers never make them.
    func requireHardLink(_ member: String) throws(NIRError) {
        let kind: HDF5LinkKind
        do { kind = try group.linkKind(of: member) } catch { throw self.error(member, "cannot read the link: \(error)") }
        guard kind == .hard else {
            throw error(member, "is \(kind.description); NIR files hold only plain groups and datasets")
        }
    }

    /// A dense tensor, counted by the decoder's census where it took one (see
    /// `ParameterTensor.init(shape:storage:nonZeroCount:anyNonFinite:)`).
    private static func tensor(shape: [Int], storage: ParameterTensor.Storage,
                               census: HDF5FloatCensus?) throws(NetworkError) -> ParameterTensor {
        guard let census else { return try ParameterTensor(shape: shape, storage: storage) }
        return try ParameterTensor(shape: shape, storage: storage, nonZeroCount: census.nonZeroCount,
                                   anyNonFinite: census.anyNonFinite)
    }

    /// Counts a tensor of `shape` against the memory limit before it is read (parameters are held as 8-byte values).
    func commitMemory(for shape: [Int], field: String) throws(NIRError) {
        let limit = session.options.maxMemoryBytes
        guard let count = ShapeArithmetic.elementCount(shape),
              let bytes = ShapeArithmetic.byteCount(elements: count, bytesPerElement: 8) else {
            throw error(field, "declares shape \(shape), whose size overflows")
        }
        let (total, overflow) = session.committedBytes.addingReportingOverflow(bytes)
        guard !overflow, total <= limit else {
            throw error(field, "declares shape \(shape) (\(count) values, \(MemoryLimit.describe(bytes))); the network's parameters would exceed the memory limit of \(MemoryLimit.describe(limit)) (--max-memory)")
        }
        session.committedBytes = total
    }
}
