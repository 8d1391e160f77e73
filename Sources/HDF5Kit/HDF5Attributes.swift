internal import CHDF5

/// Attributes of files, groups and datasets: one implementation shared through the common base class.
///
/// Setting an attribute that already exists replaces it (even if its type or shape differs).
extension HDF5Object {
    /// Stores a scalar numeric attribute.
    public func setAttribute<T: HDF5Numeric>(_ name: String, _ value: T) throws {
        try setNumericAttribute(name, [value], shape: [])
    }

    /// Stores a one-dimensional numeric attribute (`values.count` elements).
    public func setAttribute<T: HDF5Numeric>(_ name: String, _ values: [T]) throws {
        try setNumericAttribute(name, values, shape: [values.count])
    }

    /// Stores a scalar UTF-8 string attribute; variable-length by default (h5py reads it as `str`),
    /// fixed-length when asked (h5py reads it as `bytes`).
    public func setAttribute(_ name: String, string: String, variableLength: Bool = true) throws {
        try setStringAttribute(name, [string], shape: [], variableLength: variableLength)
    }

    /// Stores a one-dimensional variable-length UTF-8 string attribute.
    public func setAttribute(_ name: String, strings: [String]) throws {
        try setStringAttribute(name, strings, shape: [strings.count], variableLength: true)
    }

    /// All values of a numeric attribute as `T` (a scalar gives one element); libhdf5 converts between
    /// integer and float types and widths. Throws for string attributes and missing attributes.
    public func attribute<T: HDF5Numeric>(_ name: String, as type: T.Type) throws -> [T] {
        try withOpenAttribute(name) { try $0.readNumbers(as: T.self) }
    }

    /// A scalar (or single-element) string attribute, variable- or fixed-length.
    public func stringAttribute(_ name: String) throws -> String {
        let values = try stringArrayAttribute(name)
        guard values.count == 1 else {
            throw handle.context.about("attribute \"\(name)\"").error("expected one string, found \(values.count)")
        }
        return values[0]
    }

    /// All strings of a string attribute of any shape, flattened in row-major order (a scalar gives one element).
    public func stringArrayAttribute(_ name: String) throws -> [String] {
        try withOpenAttribute(name) { try $0.readStrings() }
    }

    /// The element type of an attribute.
    public func attributeElementType(_ name: String) throws -> HDF5ElementType {
        try withOpenAttribute(name) { try $0.elementType }
    }

    /// Whether the attribute exists. Never throws: a closed object or a libhdf5 failure count as "no".
    public func hasAttribute(_ name: String) -> Bool {
        guard !name.isEmpty, let objectIdentifier = try? handle.identifierForUse() else { return false }
        return H5Aexists(objectIdentifier, name) > 0
    }

    /// Names of all attributes, in HDF5's name order.
    public func attributeNames() throws -> [String] {
        final class NameCollector { var names: [String] = [] }
        let objectIdentifier = try handle.identifierForUse()
        let collector = NameCollector()
        var position: hsize_t = 0
        let status = withExtendedLifetime(collector) {
            H5Aiterate2(objectIdentifier, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, clientData in
                guard let name, let clientData else { return -1 }
                Unmanaged<NameCollector>.fromOpaque(clientData).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        try handle.context.checkStatus(status, "cannot list attributes")
        return collector.names
    }

    /// Removes an attribute; throws if it does not exist.
    public func removeAttribute(_ name: String) throws {
        let objectIdentifier = try handle.identifierForUse()
        let context = handle.context.about("attribute \"\(name)\"")
        guard hasAttribute(name) else { throw context.error("no such attribute") }
        try context.checkStatus(H5Adelete(objectIdentifier, name), "cannot delete attribute")
    }

    // MARK: - Shared implementation

    private func setNumericAttribute<T: HDF5Numeric>(_ name: String, _ values: [T], shape: [Int]) throws {
        let context = handle.context.about("attribute \"\(name)\"")
        _ = try T.verifiedMemoryType(context)
        try replaceAttribute(name, datatype: T.hdf5NumericKind.fileType, shape: shape, context: context) { transfer in
            try values.withUnsafeBufferPointer { try transfer.writeNumbers($0) }
        }
    }

    private func setStringAttribute(_ name: String, _ values: [String], shape: [Int], variableLength: Bool) throws {
        let context = handle.context.about("attribute \"\(name)\"")
        try HDF5Strings.withDatatype(for: values, variableLength: variableLength, context: context) { datatype in
            try replaceAttribute(name, datatype: datatype, shape: shape, context: context) { transfer in
                try HDF5Strings.withEncodedBuffer(values, variableLength: variableLength) { buffer in
                    try transfer.writeAll(memoryDatatype: datatype, from: buffer)
                }
            }
        }
    }

    /// Deletes any existing attribute `name`, creates it anew with `datatype` and `shape`, and lets `write` fill it.
    private func replaceAttribute(
        _ name: String,
        datatype: hid_t,
        shape: [Int],
        context: HDF5ObjectContext,
        write: (HDF5ElementTransfer) throws -> Void
    ) throws {
        let objectIdentifier = try handle.identifierForUse()
        guard !name.isEmpty else { throw context.error("attribute name is empty") }
        if try context.checkTruth(H5Aexists(objectIdentifier, name), "cannot check for existing attribute") {
            try context.checkStatus(H5Adelete(objectIdentifier, name), "cannot replace existing attribute")
        }
        try HDF5Dataspace.withNew(shape: shape, context: context) { dataspace in
            let attribute = H5Acreate2(objectIdentifier, name, datatype, dataspace, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            try withTemporaryIdentifier(attribute, kind: .attribute, context: context,
                                        failure: "cannot create attribute") { attributeIdentifier in
                try write(HDF5ElementTransfer(target: .attribute(attributeIdentifier), context: context))
            }
        }
    }

    /// Opens attribute `name` for the duration of `body`; a missing attribute is reported as such.
    private func withOpenAttribute<Result>(_ name: String, _ body: (HDF5ElementTransfer) throws -> Result) throws -> Result {
        let objectIdentifier = try handle.identifierForUse()
        let context = handle.context.about("attribute \"\(name)\"")
        guard hasAttribute(name) else { throw context.error("no such attribute") }
        return try withTemporaryIdentifier(H5Aopen(objectIdentifier, name, hid_t(H5P_DEFAULT)), kind: .attribute,
                                           context: context, failure: "cannot open attribute") { attributeIdentifier in
            try body(HDF5ElementTransfer(target: .attribute(attributeIdentifier), context: context))
        }
    }
}
