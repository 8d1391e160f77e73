import HDF5Kit
import NetworkModel

/// Reads the datasets of one NIR node group, turning every failure into a `NIRError` that names the node and field.
struct NIRNodeGroupReader {
    let group: HDF5Group
    let file: String
    let node: String

    func error(_ field: String?, _ message: String) -> NIRError {
        NIRError(file: file, node: node, field: field, message)
    }

    func has(_ field: String) -> Bool { group.exists(field) }

    private func dataset(_ field: String) throws(NIRError) -> HDF5Dataset {
        guard group.exists(field) else { throw error(field, "missing required dataset") }
        do {
            guard try group.kind(of: field) == .dataset else { throw error(field, "expected a dataset, found a group") }
            return try group.openDataset(field)
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
    func tensor(_ field: String) throws(NIRError) -> ParameterTensor {
        let set = try dataset(field)
        do {
            let shape = try set.shape
            switch try set.elementType {
            case .float(bytes: 4):
                return try ParameterTensor(shape: shape, float32: set.read(as: Float.self))
            case .float, .signedInteger, .unsignedInteger:
                return try ParameterTensor(shape: shape, float64: set.read(as: Double.self))
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

    func optionalTensor(_ field: String) throws(NIRError) -> ParameterTensor? {
        has(field) ? try tensor(field) : nil
    }

    /// Integers stored as a scalar or a 1-D array of any integer width.
    func integers(_ field: String) throws(NIRError) -> [Int] {
        let set = try dataset(field)
        do {
            let shape = try set.shape
            guard shape.count <= 1 else { throw error(field, "expected a scalar or 1-D integer array, found shape \(shape)") }
            switch try set.elementType {
            case .signedInteger, .unsignedInteger, .enumeration:
                return try set.read(as: Int64.self).map { Int($0) }
            case .float:
                // Some writers store shapes as floats; accept only exact integers.
                let values = try set.read(as: Double.self)
                guard values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) else {
                    throw error(field, "expected integers, found \(values)")
                }
                return values.map { Int($0) }
            case let other:
                throw error(field, "expected integers, found \(other)")
            }
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

    /// Member names of the node group that are not understood for its type (other than `type` and `metadata`).
    func rejectUnknownFields(known: Set<String>) throws(NIRError) {
        let members: [String]
        do { members = try group.memberNames() } catch { throw self.error(nil, "cannot list datasets: \(error)") }
        let ignorable: Set<String> = ["type", "metadata", "input_type", "output_type"]
        if let unknown = members.first(where: { !known.contains($0) && !ignorable.contains($0) }) {
            throw error(unknown, "not a field of this node type (expected some of: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
