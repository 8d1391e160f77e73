internal import CHDF5

/// An HDF5 dataset: an n-dimensional array of numbers or strings, read and written whole (row-major),
/// or grown along its first axis with `append`.
public final class HDF5Dataset: HDF5Object {
    private var transfer: HDF5ElementTransfer {
        get throws { HDF5ElementTransfer(target: .dataset(try handle.identifierForUse()), context: handle.context) }
    }

    // MARK: - Description

    /// Current extent (`[]` for a scalar).
    public var shape: [Int] {
        get throws { try extents.shape }
    }

    /// Maximum extent along each axis; `nil` means unlimited.
    public var maxShape: [Int?] {
        get throws { try extents.maxShape }
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int {
        get throws { try transfer.elementCount }
    }

    /// The stored element type.
    public var elementType: HDF5ElementType {
        get throws { try transfer.elementType }
    }

    /// The chunk shape, or `nil` for contiguous or compact storage.
    public var chunkShape: [Int]? {
        get throws {
            try withCreationPropertyList { creationProperties in
                guard H5Pget_layout(creationProperties) == H5D_CHUNKED else { return nil }
                let rank = try shape.count
                var chunkDimensions = [hsize_t](repeating: 0, count: max(rank, 1))
                _ = try handle.context.checkCount(H5Pget_chunk(creationProperties, Int32(rank), &chunkDimensions),
                                                  "cannot read chunk shape")
                return chunkDimensions.prefix(rank).map { Int(clamping: $0) }
            }
        }
    }

    /// The filters applied to each chunk, in pipeline order, e.g. `["shuffle", "deflate"]`.
    public var filterNames: [String] {
        get throws {
            let context = handle.context
            return try withCreationPropertyList { creationProperties in
                let filterCount = try context.checkCount(H5Pget_nfilters(creationProperties), "cannot count filters")
                return try (0..<filterCount).map { index throws(HDF5Error) in
                    var flags: UInt32 = 0
                    var parameterCount = 0
                    var libraryName = [CChar](repeating: 0, count: 256)
                    var configuration: UInt32 = 0
                    let filter = H5Pget_filter2(creationProperties, UInt32(index), &flags, &parameterCount, nil,
                                                libraryName.count, &libraryName, &configuration)
                    guard filter >= 0 else { throw context.libraryError("cannot read filter \(index)") }
                    let name = String(decoding: libraryName.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    return Self.canonicalFilterName(filter, libraryName: name)
                }
            }
        }
    }

    // MARK: - Numbers

    /// The whole dataset as `T`, row-major. libhdf5 converts between integer and float types and widths;
    /// enumerations (h5py's bool) are read as their integer base values; string datasets throw.
    ///
    /// A chunked dataset compressed with deflate alone (how h5py and nir store arrays) is decoded by HDF5Kit on
    /// every core (`HDF5ChunkDecoding.fastest`); `read(as:decoding:)` chooses.
    public func read<T: HDF5Numeric>(as type: T.Type) throws -> [T] {
        try read(as: type, decoding: .fastest)
    }

    /// The whole dataset as `T`, its deflate-compressed chunks decoded as `decoding` says (the values are the same
    /// whichever decodes them; only the time differs), on at most `threads` threads (nil: every online core, up to
    /// the decoder's cap; a job pinned to fewer cores passes its own limit).
    public func read<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int? = nil) throws -> [T] {
        let transfer = try transfer
        let decoder = HDF5ChunkDecoder(dataset: try handle.identifierForUse(), context: handle.context)
        if let values = try decoder.read(as: T.self, decoding: decoding, threads: threads ?? Int.max,
                                         verify: transfer.verifyBeforeChunkDecoding) {
            return values
        }
        return try transfer.readNumbers(as: T.self)
    }

    /// The whole dataset, as `read(as:decoding:threads:)` reads it, except that a deflate-chunked floating-point
    /// dataset (`T` Float or Double, no conversion) with at
    /// most `sparseLimit` non-zero elements (and any number of zeros) comes back `.sparse`: HDF5Kit's decoder inflates
    /// it chunk by chunk into a small buffer and keeps only those elements, so the dense array is never made (a pruned
    /// network's weights are mostly zeros). Anything else comes back `.dense`, with the same values a plain read gives.
    public func readMostlyZero<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int? = nil,
                                               sparseLimit: Int) throws -> HDF5StoredValues<T> {
        try readMostlyZeroCounted(as: type, decoding: decoding, threads: threads, sparseLimit: sparseLimit).values
    }

    /// As `readMostlyZero`, and, when HDF5Kit's decoder made the dense array of a floating-point dataset, the census
    /// it took of it chunk by chunk on the decoding threads (nil otherwise: a sparse result, or libhdf5 read it). A
    /// reader that needs the census of a large dense array then does not read the whole array again on one thread.
    public func readMostlyZeroCounted<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int? = nil,
                                                      sparseLimit: Int)
        throws -> (values: HDF5StoredValues<T>, census: HDF5FloatCensus?) {
        let transfer = try transfer
        let decoder = HDF5ChunkDecoder(dataset: try handle.identifierForUse(), context: handle.context)
        if let read = try decoder.read(as: T.self, decoding: decoding, threads: threads ?? Int.max,
                                       sparseLimit: sparseLimit, census: true,
                                       verify: transfer.verifyBeforeChunkDecoding) {
            return read
        }
        return (.dense(try transfer.readNumbers(as: T.self)), nil)
    }

    /// `readMostlyZeroCounted` (with `sparseLimit` nil and `census` false: `read(as:decoding:threads:)`) in two
    /// halves: this call does all of the read's libhdf5 work (the checks, locating the chunks, reading their raw bytes,
    /// or the whole read when HDF5Kit's decoder does not read this dataset) and reports its errors; the returned
    /// value's `start(on:)` inflates the chunks on a pool's threads without libhdf5, so that the caller can go on to
    /// its next dataset meanwhile. A damaged chunk is reported by `HDF5Decoding.values()`.
    public func readLater<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int? = nil,
                                          sparseLimit: Int?, census: Bool) throws -> HDF5PendingValues<T> {
        let transfer = try transfer
        let decoder = HDF5ChunkDecoder(dataset: try handle.identifierForUse(), context: handle.context)
        if let prepared = try decoder.prepare(as: T.self, decoding: decoding, threads: threads ?? Int.max,
                                              verify: transfer.verifyBeforeChunkDecoding) {
            return HDF5PendingValues(source: .chunks(prepared), sparseLimit: sparseLimit, census: census)
        }
        return HDF5PendingValues(source: .read(.dense(try transfer.readNumbers(as: T.self))), sparseLimit: sparseLimit,
                                 census: census)
    }

    /// Makes libhdf5 parse everything it would parse to read this dataset, without keeping (or, where HDF5Kit's
    /// chunk decoder reads the dataset, inflating) the values: for a deflate-chunked numeric dataset its whole
    /// chunk index is walked and every chunk located and checked against the file; any other dataset (contiguous,
    /// compact, other filters, strings) is read through libhdf5, at most `maxValueBytes` of it (a prefix of rows
    /// when it is larger). Meant for a child process that shields a reader from libhdf5 crashing on damage.
    public func checkReadable(maxValueBytes: Int) throws {
        let transfer = try transfer
        let count = try transfer.elementCount
        switch try transfer.elementType {
        case .string:
            // Strings go through heaps libhdf5 follows without checks: read them (NIR strings are one word each).
            if count <= max(1, maxValueBytes / 64) { _ = try transfer.readStrings() }
        case .float, .signedInteger, .unsignedInteger, .enumeration:
            let decoder = HDF5ChunkDecoder(dataset: try handle.identifierForUse(), context: handle.context)
            if try decoder.checkIndex(verify: transfer.verifyBeforeRead) { return }
            guard count > 0 else { return }
            if count <= maxValueBytes / 8 {
                _ = try transfer.readNumbers(as: Double.self)
            } else if let length = try shape.first, length > 0 {
                let rowCount = max(1, count / length)
                let rows = min(length, maxValueBytes / 8 / rowCount)
                if rows > 0 { _ = try readRows(0..<rows, as: Double.self) }
            }
        case .other:
            return  // no reader of this project reads these
        }
    }

    /// Rows `rows` along axis 0 (every other axis whole) as `T`, row-major; libhdf5 converts numeric types.
    /// Lets a reader stream a large dataset in blocks instead of loading it whole.
    public func readRows<T: HDF5Numeric>(_ rows: Range<Int>, as type: T.Type) throws -> [T] {
        let datasetIdentifier = try handle.identifierForUse()
        let context = handle.context
        let memoryDatatype = try numericMemoryType(T.self, doing: "read as \(T.self)")
        let currentShape = try shape
        guard let length = currentShape.first else { throw context.error("cannot read rows of a scalar dataset") }
        guard rows.lowerBound >= 0, rows.upperBound <= length else {
            throw context.error("rows \(rows.lowerBound)..<\(rows.upperBound) are outside the \(length) rows")
        }
        let rowShape = Array(currentShape.dropFirst())
        let count = try HDF5Dataspace.elementCount(of: [rows.count] + rowShape, context: context)
        guard count > 0 else { return [] }
        // Rows of a deflate-chunked dataset are inflated with libdeflate (several times faster than libhdf5's zlib),
        // on the calling thread: a sample reader calls this beside a simulation's workers.
        let decoder = HDF5ChunkDecoder(dataset: datasetIdentifier, context: context)
        if let values = try decoder.readRows(rows, as: T.self, decoding: .fastest, threads: 1,
                                             verify: transfer.verifyBeforeChunkDecoding) {
            return values
        }
        try transfer.verifyBeforeRead()
        return try [T](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            try transfer.withStoredDataspace { fileDataspace in
                let start = [hsize_t(rows.lowerBound)] + rowShape.map { _ in hsize_t(0) }
                let extent = ([rows.count] + rowShape).map { hsize_t($0) }
                try context.checkStatus(H5Sselect_hyperslab(fileDataspace, H5S_SELECT_SET, start, nil, extent, nil),
                                        "cannot select rows \(rows.lowerBound)..<\(rows.upperBound)")
                try HDF5Dataspace.withNew(shape: [rows.count] + rowShape, context: context) { memoryDataspace in
                    try context.checkStatus(
                        H5Dread(datasetIdentifier, memoryDatatype, memoryDataspace, fileDataspace, hid_t(H5P_DEFAULT),
                                UnsafeMutableRawPointer(buffer.baseAddress!)),
                        "cannot read rows \(rows.lowerBound)..<\(rows.upperBound)")
                }
            }
            initializedCount = count
        }
    }

    /// Replaces the whole dataset; `values.count` must equal the element count.
    public func write<T: HDF5Numeric>(_ values: [T]) throws {
        try values.withUnsafeBufferPointer { try transfer.writeNumbers($0) }
    }

    /// Grows axis 0 by `values.count / rowSize` rows and writes them there (rowSize = product of the other axes).
    ///
    /// The dataset must be resizable along axis 0 (created with `maxShape: [nil, …]`). A count that is not a
    /// whole number of rows throws without changing the dataset.
    public func append<T: HDF5Numeric>(_ values: UnsafeBufferPointer<T>) throws {
        let datasetIdentifier = try handle.identifierForUse()
        let context = handle.context
        let memoryDatatype = try numericMemoryType(T.self, doing: "append \(T.self) values")
        let (currentShape, currentMaxShape) = try extents
        guard let currentLength = currentShape.first else { throw context.error("cannot append to a scalar dataset") }
        let rowShape = Array(currentShape.dropFirst())
        let rowSize = try HDF5Dataspace.elementCount(of: rowShape, context: context)
        guard rowSize > 0 ? values.count % rowSize == 0 : values.isEmpty else {
            throw context.error("cannot append \(values.count) values: not a whole number of rows of shape \(rowShape) "
                + "(\(rowSize) elements each)")
        }
        guard let source = values.baseAddress, rowSize > 0, !values.isEmpty else { return }
        let addedRows = values.count / rowSize
        let (newLength, overflow) = currentLength.addingReportingOverflow(addedRows)
        if overflow { throw context.error("cannot append \(addedRows) rows: length overflows") }
        if let limit = currentMaxShape.first ?? nil, newLength > limit {
            throw context.error("cannot append \(addedRows) rows: axis 0 is limited to \(limit) "
                + "(create the dataset with maxShape [nil, ...] to make it growable)")
        }

        let newDimensions = ([newLength] + rowShape).map { hsize_t($0) }
        try context.checkStatus(H5Dset_extent(datasetIdentifier, newDimensions), "cannot extend dataset to \(newLength) rows")
        do {
            // The dataspace must be fetched again after H5Dset_extent: an earlier one still has the old extent.
            try transfer.withStoredDataspace { fileDataspace in
                let start = [hsize_t(currentLength)] + rowShape.map { _ in hsize_t(0) }
                let count = ([addedRows] + rowShape).map { hsize_t($0) }
                try context.checkStatus(H5Sselect_hyperslab(fileDataspace, H5S_SELECT_SET, start, nil, count, nil),
                                        "cannot select rows \(currentLength)..<\(newLength)")
                try HDF5Dataspace.withNew(shape: [addedRows] + rowShape, context: context) { memoryDataspace in
                    try context.checkStatus(
                        H5Dwrite(datasetIdentifier, memoryDatatype, memoryDataspace, fileDataspace, hid_t(H5P_DEFAULT),
                                 UnsafeRawPointer(source)),
                        "cannot write appended rows")
                }
            }
        } catch {
            // Best effort: do not leave rows of fill values behind when the write failed.
            _ = H5Dset_extent(datasetIdentifier, currentShape.map { hsize_t($0) })
            throw error
        }
    }

    /// Array convenience for `append(_:)` with a buffer.
    public func append<T: HDF5Numeric>(_ values: [T]) throws {
        try values.withUnsafeBufferPointer { try append($0) }
    }

    // MARK: - Strings

    /// All elements of a string dataset (variable- or fixed-length, any padding, ASCII or UTF-8, any rank),
    /// row-major; a scalar gives one element.
    public func readStrings() throws -> [String] {
        try transfer.readStrings()
    }

    // MARK: - Helpers

    /// The memory type for `T`, after checking the stored type is numeric (partial transfers cannot convert strings).
    private func numericMemoryType<T: HDF5Numeric>(_ type: T.Type, doing action: String) throws -> hid_t {
        let memoryDatatype = try T.verifiedMemoryType(handle.context)
        let storedType = try transfer.elementType
        switch storedType {
        case .signedInteger, .unsignedInteger, .float: return memoryDatatype
        default: throw handle.context.error("cannot \(action): element type is \(storedType)")
        }
    }

    private var extents: (shape: [Int], maxShape: [Int?]) {
        get throws {
            let context = handle.context
            return try transfer.withStoredDataspace { try HDF5Dataspace.extents(of: $0, context: context) }
        }
    }

    private func withCreationPropertyList<Result>(_ body: (hid_t) throws -> Result) throws -> Result {
        let datasetIdentifier = try handle.identifierForUse()
        return try withTemporaryIdentifier(H5Dget_create_plist(datasetIdentifier), kind: .propertyList,
                                           context: handle.context, failure: "cannot read creation properties", body)
    }

    /// Stable names for the standard filters (libhdf5 versions describe them differently); others keep the name
    /// stored with the filter, or `"filter <id>"`.
    private static func canonicalFilterName(_ filter: H5Z_filter_t, libraryName: String) -> String {
        switch filter {
        case H5Z_FILTER_DEFLATE: "deflate"
        case H5Z_FILTER_SHUFFLE: "shuffle"
        case H5Z_FILTER_FLETCHER32: "fletcher32"
        case H5Z_FILTER_SZIP: "szip"
        case H5Z_FILTER_NBIT: "nbit"
        case H5Z_FILTER_SCALEOFFSET: "scaleoffset"
        default: libraryName.isEmpty ? "filter \(filter)" : libraryName
        }
    }
}
