internal import CHDF5

/// Whole-object reads and writes shared by datasets and attributes, which differ only in the libhdf5
/// calls that fetch their type/space and move their bytes.
struct HDF5ElementTransfer {
    enum Target {
        case dataset(hid_t)
        case attribute(hid_t)
    }

    let target: Target
    let context: HDF5ObjectContext

    /// Runs `body` with the object's stored datatype.
    func withStoredDatatype<Result>(_ body: (hid_t) throws -> Result) throws -> Result {
        let datatype = switch target {
        case .dataset(let dataset): H5Dget_type(dataset)
        case .attribute(let attribute): H5Aget_type(attribute)
        }
        return try withTemporaryIdentifier(datatype, kind: .datatype, context: context,
                                           failure: "cannot read element type", body)
    }

    /// Runs `body` with the object's dataspace.
    func withStoredDataspace<Result>(_ body: (hid_t) throws -> Result) throws -> Result {
        let dataspace = switch target {
        case .dataset(let dataset): H5Dget_space(dataset)
        case .attribute(let attribute): H5Aget_space(attribute)
        }
        return try withTemporaryIdentifier(dataspace, kind: .dataspace, context: context,
                                           failure: "cannot read shape", body)
    }

    var elementType: HDF5ElementType {
        get throws { try withStoredDatatype { try HDF5ElementType(datatype: $0, context: context) } }
    }

    var elementCount: Int {
        get throws { try withStoredDataspace { try HDF5Dataspace.elementCount(of: $0, context: context) } }
    }

    /// Transfers every element from the file into `buffer`, converted to `memoryDatatype`.
    func readAll(memoryDatatype: hid_t, into buffer: UnsafeMutableRawPointer) throws {
        try verifyBeforeRead()
        let status = switch target {
        case .dataset(let dataset):
            try withTransferProperties(memoryDatatype: memoryDatatype) {
                H5Dread(dataset, memoryDatatype, H5S_ALL, H5S_ALL, $0, buffer)
            }
        case .attribute(let attribute): H5Aread(attribute, memoryDatatype, buffer)
        }
        try context.checkStatus(status, "cannot read data")
    }

    /// Transfers every element from `buffer` (in `memoryDatatype`) to the file.
    func writeAll(memoryDatatype: hid_t, from buffer: UnsafeRawPointer) throws {
        let status = switch target {
        case .dataset(let dataset):
            try withTransferProperties(memoryDatatype: memoryDatatype) {
                H5Dwrite(dataset, memoryDatatype, H5S_ALL, H5S_ALL, $0, buffer)
            }
        case .attribute(let attribute): H5Awrite(attribute, memoryDatatype, buffer)
        }
        try context.checkStatus(status, "cannot write data")
    }

    /// Runs a whole-dataset transfer with a small type-conversion buffer when the transfer itself is small.
    ///
    /// libhdf5 1.10 zero-fills its whole conversion buffer (1 MiB by default) for every transfer that converts,
    /// whatever its size: each variable-length string dataset of a results file cost a 1 MiB memset and, when
    /// the block was fresh, 256 page faults. Transfers of up to `smallTransferBytes` get a buffer of that size
    /// instead, which still holds all their elements (so they convert in one pass, to the same values); larger
    /// ones keep libhdf5's default. The buffer must also hold one element as stored on disk, which
    /// `H5Tget_size` does not report for variable-length types (a disk reference is 16 bytes, the in-memory
    /// type 8 or 16): elements above `largestSmallElementBytes` keep the default too.
    private func withTransferProperties(memoryDatatype: hid_t, _ body: (hid_t) throws -> herr_t) throws -> herr_t {
        let smallTransferBytes = Self.smallTransferBytes
        let largestSmallElementBytes = 4 << 10
        let elementBytes = try withStoredDatatype { max(H5Tget_size($0), H5Tget_size(memoryDatatype)) }
        let count = try elementCount
        let (wanted, overflow) = count.multipliedReportingOverflow(by: elementBytes)
        guard elementBytes > 0, elementBytes <= largestSmallElementBytes, !overflow, wanted <= smallTransferBytes
        else { return try body(hid_t(H5P_DEFAULT)) }
        if let shared = Self.smallBufferTransferProperties { return try body(shared) }
        return try withTemporaryIdentifier(H5Pcreate(chdf5_p_dataset_xfer()), kind: .propertyList, context: context,
                                           failure: "cannot create transfer properties") { properties in
            try context.checkStatus(H5Pset_buffer(properties, Self.smallTransferBytes, nil, nil),
                                    "cannot size the conversion buffer")
            return try body(properties)
        }
    }

    /// See `withTransferProperties`.
    private static let smallTransferBytes = 64 << 10

    /// The small-buffer transfer properties, made once for the process (nil if libhdf5 refused them; each transfer
    /// then makes its own, and reports why). libhdf5 only reads a transfer's properties, and allocates the buffer
    /// itself for each transfer when given no pointer, so one list serves every transfer; making and closing one per
    /// transfer cost about 30 thousand instructions each, on the hundred small fields of a network.
    private static let smallBufferTransferProperties: hid_t? = {
        let properties = H5Pcreate(chdf5_p_dataset_xfer())
        guard properties >= 0 else { return nil }
        guard H5Pset_buffer(properties, smallTransferBytes, nil, nil) >= 0 else {
            _ = H5Pclose(properties)
            return nil
        }
        return properties
    }()

    /// All elements as `T`, letting libhdf5 convert between integer and float types and widths.
    /// Enumerations (e.g. h5py's bool) are read as their integer base values.
    func readNumbers<T: HDF5Numeric>(as type: T.Type) throws -> [T] {
        let memoryDatatype = try T.verifiedMemoryType(context)
        let count = try elementCount
        return try withStoredDatatype { storedDatatype in
            let storedType = try HDF5ElementType(datatype: storedDatatype, context: context)
            switch storedType {
            case .signedInteger, .unsignedInteger, .float:
                return try [T](unsafeUninitializedCapacity: count) { buffer, initializedCount in
                    if let destination = buffer.baseAddress, count > 0 {
                        try readAll(memoryDatatype: memoryDatatype, into: UnsafeMutableRawPointer(destination))
                    }
                    initializedCount = count
                }
            case .enumeration:
                return try readEnumerationValues(count: count, storedDatatype: storedDatatype, as: T.self)
            case .string, .other:
                throw context.error("cannot read as \(T.self): element type is \(storedType)")
            }
        }
    }

    /// libhdf5 converts enum only to enum, so read the raw enum values (which share their base type's layout)
    /// and then convert those base integers to `T` in place.
    private func readEnumerationValues<T: HDF5Numeric>(count: Int, storedDatatype: hid_t, as type: T.Type) throws -> [T] {
        guard count > 0 else { return [] }
        let targetDatatype = T.hdf5NumericKind.memoryType
        return try withTemporaryIdentifier(H5Tget_native_type(storedDatatype, H5T_DIR_ASCEND), kind: .datatype,
                                           context: context, failure: "cannot map enum type to memory") { nativeEnum in
            try withTemporaryIdentifier(H5Tget_super(nativeEnum), kind: .datatype, context: context,
                                        failure: "cannot read enum base type") { nativeBase in
                let elementSize = max(H5Tget_size(nativeBase), MemoryLayout<T>.stride)
                let scratch = UnsafeMutableRawPointer.allocate(byteCount: count * elementSize,
                                                               alignment: MemoryLayout<UInt64>.alignment)
                defer { scratch.deallocate() }
                try readAll(memoryDatatype: nativeEnum, into: scratch)
                try context.checkStatus(H5Tconvert(nativeBase, targetDatatype, count, scratch, nil, hid_t(H5P_DEFAULT)),
                                        "cannot convert enum values to \(T.self)")
                return Array(UnsafeBufferPointer(start: scratch.assumingMemoryBound(to: T.self), count: count))
            }
        }
    }

    /// Writes all elements from `values`, which must match the element count; libhdf5 converts to the stored type.
    func writeNumbers<T: HDF5Numeric>(_ values: UnsafeBufferPointer<T>) throws {
        let memoryDatatype = try T.verifiedMemoryType(context)
        let storedType = try elementType
        switch storedType {
        case .signedInteger, .unsignedInteger, .float: break
        default: throw context.error("cannot write \(T.self) values: element type is \(storedType)")
        }
        let count = try elementCount
        guard values.count == count else {
            throw context.error("cannot write \(values.count) values: the object holds \(count) elements")
        }
        guard let baseAddress = values.baseAddress, count > 0 else { return }
        try writeAll(memoryDatatype: memoryDatatype, from: UnsafeRawPointer(baseAddress))
    }

    /// All elements as strings (scalar objects give one element).
    func readStrings() throws -> [String] {
        let count = try elementCount
        return try withStoredDatatype { storedDatatype in
            let storedType = try HDF5ElementType(datatype: storedDatatype, context: context)
            guard case .string = storedType else {
                throw context.error("cannot read as strings: element type is \(storedType)")
            }
            if case .dataset(let dataset) = target, H5Tis_variable_str(storedDatatype) > 0 {
                try verifyHeapReferences(dataset: dataset, count: count)
            }
            return try HDF5Strings.read(count: count, fileDatatype: storedDatatype, context: context) { memoryDatatype, buffer in
                try readAll(memoryDatatype: memoryDatatype, into: buffer)
            }
        }
    }

    /// libhdf5 1.10 follows a variable-length element's heap reference without checking it (an assert only), so
    /// a damaged file crashes the read. For contiguous storage (how h5py and nir store strings) every reference is
    /// checked against the file's bytes first; other layouts cannot be checked this way and are read as they are.
    private func verifyHeapReferences(dataset: hid_t, count: Int) throws(HDF5Error) {
        switch chdf5_verify_vlen_heap_references(dataset, count) {
        case -1: throw context.error("damaged file: a variable-length string refers to heap storage that is missing or malformed")
        default: return
        }
    }

    /// Checks libhdf5 1.10 leaves to assertions, so that a damaged file ends in an error instead of a crash:
    /// the stored numeric type must be self-consistent and compact storage must hold exactly the shape's bytes.
    func verifyBeforeRead() throws {
        try verifyBeforeChunkDecoding()
        guard case .dataset(let dataset) = target else { return }
        // Checking a chunk costs a walk of the chunk index, so only datasets of up to 4096 chunks (every
        // parameter tensor of a real network) are checked; larger ones are read as they are.
        guard chdf5_check_chunks(dataset, 4096) == 0 else {
            throw context.error("damaged file: the chunk layout or index does not fit the dataset or the file")
        }
    }

    /// The checks of `verifyBeforeRead` except the walk of the chunk index, for HDF5Kit's chunk decoder, which
    /// checks the index its own way (`HDF5ChunkDecoder.locateChunks`): libhdf5 1.10 can only list chunks one index
    /// walk per chunk, which made the full check quadratic in the chunk count.
    func verifyBeforeChunkDecoding() throws {
        let consistentType: Bool
        do { consistentType = try withStoredDatatype { chdf5_check_numeric_type($0) == 0 } } catch { consistentType = false }
        guard consistentType else { throw context.error("damaged file: the stored element type is inconsistent") }
        guard case .dataset(let dataset) = target else { return }
        let count = try elementCount
        guard chdf5_check_compact_storage(dataset, count) == 0 else {
            throw context.error("damaged file: the stored data do not match the dataset's shape")
        }
    }
}
