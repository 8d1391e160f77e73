internal import CHDF5

/// How a whole-dataset read decodes a chunked dataset whose only filter is deflate (how h5py and nir store arrays).
public enum HDF5ChunkDecoding: Sendable, CaseIterable {
    /// HDF5Kit's decoder: the raw chunks inflated on every core, with libdeflate when the system has it, else zlib.
    case fastest
    /// HDF5Kit's decoder with zlib only (what `fastest` does on a system without libdeflate).
    case zlib
    /// libhdf5's own filter pipeline (zlib on one thread), as for every other dataset.
    case library

    /// Whether `fastest` finds libdeflate on this system.
    public static var libdeflateAvailable: Bool { chdf5_libdeflate_available() != 0 }
}

/// Reads a whole chunked, deflate-compressed dataset by decoding its raw chunks itself (Sources/CHDF5/chunks.h).
///
/// Start-up of a large network is mostly this: libhdf5 1.10 inflates on one thread with zlib, then copies each
/// chunk into place one contiguous run at a time (a (64, 128, 1, 1) chunk of a 3×3 convolution is 8192 runs of one
/// value). Where the dataset's chunk index is a version-1 B-tree (as h5py and nir write it), the chunks are found by
/// walking it directly and decoded where they lie in the file, mapped (`HDF5ChunkIndex`); otherwise libhdf5 finds
/// them and reads their bytes. Every chunk must inflate to exactly its size (the zlib checksum is verified), and a
/// chunk that does not is an error naming the chunk.
struct HDF5ChunkDecoder {
    let dataset: hid_t
    let context: HDF5ObjectContext

    /// Datasets of more chunks than this are read by libhdf5.
    static let maxChunkCount = 1 << 20

    /// What the decoder needs to know about a dataset it can decode.
    struct Layout: Sendable {
        let shape: [hsize_t]
        let chunkShape: [hsize_t]
        let elementCount: Int
        let chunkBytes: Int

        /// Chunks along each axis and their number; nil for a grid of more than `maxChunkCount` chunks, whose
        /// chunks are not looked up one by one (libhdf5's own index walk reads it).
        var grid: (extents: [Int], count: Int)? {
            let extents = shape.indices.map { Int((shape[$0] + chunkShape[$0] - 1) / chunkShape[$0]) }
            var count = 1
            for extent in extents {
                let (product, overflow) = count.multipliedReportingOverflow(by: extent)
                guard !overflow, product <= HDF5ChunkDecoder.maxChunkCount else { return nil }
                count = product
            }
            return (extents, count)
        }
    }

    /// The values, or nil when the dataset is not one this decoder reads (a file open for writing, not chunked,
    /// other or more filters, a stored type that needs converting, a chunk never written or stored unfiltered):
    /// libhdf5 reads those.
    func read<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int,
                              verify: () throws -> Void) throws -> [T]? {
        guard case .dense(let values)? = try read(as: type, decoding: decoding, threads: threads, sparseLimit: nil,
                                                  census: false, verify: verify)?.values else { return nil }
        return values
    }

    /// As `read(as:decoding:threads:verify:)`, but a dataset of at most `sparseLimit` non-zero elements comes back
    /// as those elements and their indices, without the dense array ever being made (see
    /// `HDF5StoredValues`). A dataset that proves denser is decoded dense from the same raw chunks. With `census`, a
    /// floating-point dataset decoded dense comes with its census, taken chunk by chunk on the decoding threads.
    func read<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int, sparseLimit: Int?,
                              census: Bool, verify: () throws -> Void) throws -> (values: HDF5StoredValues<T>, census: HDF5FloatCensus?)? {
        try prepare(as: type, decoding: decoding, threads: threads, verify: verify)?
            .decode(as: type, sparseLimit: sparseLimit, census: census, pool: HDF5PoolHandle(pool: nil))
    }

    /// The libhdf5 half of `read`: the dataset's layout checked, its chunks located and their raw bytes read. What is
    /// left (`HDF5PreparedChunks.decode`) calls no libhdf5 function and may run on any thread. nil when the dataset
    /// is not one this decoder reads.
    func prepare<T: HDF5Numeric>(as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int,
                                 verify: () throws -> Void) throws -> HDF5PreparedChunks? {
        guard decoding != .library else { return nil }
        let memoryType = try T.verifiedMemoryType(context)
        guard let layout = try layout(memoryType: memoryType, elementSize: MemoryLayout<T>.size) else { return nil }
        // The consistency checks of the stored type come first; the chunk index is checked while it is walked.
        try verify()
        let threads = Int32(clamping: max(1, min(threads, Int(chdf5_online_processors()))))
        if let (chunks, mapping) = HDF5ChunkIndex.mappedChunks(dataset: dataset, layout: layout, elementSize: MemoryLayout<T>.size,
                                                               context: context) {
            return HDF5PreparedChunks(layout: layout, chunks: chunks, compressed: .mapped(mapping), threads: threads,
                                      useLibdeflate: decoding == .fastest ? 1 : 0, context: context)
        }
        guard let chunks = try locateChunks(layout) else { return nil }
        guard let compressed = try readRawChunks(chunks) else { return nil }
        return HDF5PreparedChunks(layout: layout, chunks: chunks, compressed: .copied(compressed), threads: threads,
                                  useLibdeflate: decoding == .fastest ? 1 : 0, context: context)
    }

    /// Rows `rows` along axis 0 (every other axis whole), row-major, from the raw chunks that hold them, inflated
    /// here as `read` inflates a whole dataset; nil when the decoder does not read this dataset, or when those chunks
    /// span far more rows than asked for (libhdf5 then reads them, one chunk at a time).
    ///
    /// A sample file's rows are read this way: libhdf5 inflates each chunk with zlib, several times slower than
    /// libdeflate, and a run's first check of two samples inflated 24 chunks.
    func readRows<T: HDF5Numeric>(_ rows: Range<Int>, as type: T.Type, decoding: HDF5ChunkDecoding, threads: Int,
                                  verify: () throws -> Void) throws -> [T]? {
        guard decoding != .library, !rows.isEmpty, rows.lowerBound >= 0 else { return nil }
        let memoryType = try T.verifiedMemoryType(context)
        guard let whole = try layout(memoryType: memoryType, elementSize: MemoryLayout<T>.size),
              rows.upperBound <= Int(whole.shape[0]) else { return nil }
        // The chunks' rows: from the first chunk boundary at or before the rows to the next at or after them.
        let chunkRows = Int(whole.chunkShape[0])
        let first = rows.lowerBound / chunkRows * chunkRows
        let (boundary, overflow) = ((rows.upperBound - 1) / chunkRows + 1).multipliedReportingOverflow(by: chunkRows)
        let end = overflow ? Int(whole.shape[0]) : min(Int(whole.shape[0]), boundary)
        let rowElements = whole.elementCount / Int(whole.shape[0])
        // Both products are at most the dataset's element count times 16: checked, as a damaged header can declare
        // any shape.
        let (spanBytes, spanOverflow) = ((end - first) * rowElements).multipliedReportingOverflow(by: MemoryLayout<T>.size)
        let (askedBytes, askedOverflow) = (rows.count * rowElements).multipliedReportingOverflow(by: 2 * MemoryLayout<T>.size)
        guard !spanOverflow, !askedOverflow, spanBytes <= max(askedBytes, Self.maxRowSpanBytes) else { return nil }
        var spanShape = whole.shape
        spanShape[0] = hsize_t(end - first)
        let span = Layout(shape: spanShape, chunkShape: whole.chunkShape, elementCount: (end - first) * rowElements,
                          chunkBytes: whole.chunkBytes)
        try verify()
        guard let chunks = try locateChunks(span, firstRow: hsize_t(first)) else { return nil }
        guard let compressed = try readRawChunks(chunks) else { return nil }
        // The decoder places chunks by their origin in the array it fills: here the span, which starts at `first`.
        var placed = chunks
        for index in 0..<chunks.count { placed.origins[index * spanShape.count] -= hsize_t(first) }
        let threads = Int32(clamping: max(1, min(threads, Int(chdf5_online_processors()))))
        let useLibdeflate: Int32 = decoding == .fastest ? 1 : 0
        let rank = spanShape.count
        let spanValues = try [T](unsafeUninitializedCapacity: span.elementCount) { buffer, initializedCount in
            let failed = HDF5PreparedChunks.withChunkPointers(.copied(compressed), placed, span) { c in
                chdf5_decode_chunks(c.bytes, c.starts, c.sizes, c.origins, chunks.count, Int32(rank), c.shape, c.chunkShape,
                                    MemoryLayout<T>.size, UnsafeMutableRawPointer(buffer.baseAddress!), threads, useLibdeflate)
            }
            guard failed == chunks.count else { throw HDF5PreparedChunks.damagedChunk(failed, chunks, span, context) }
            initializedCount = span.elementCount
        }
        if first == rows.lowerBound && end == rows.upperBound { return spanValues }
        let skipped = (rows.lowerBound - first) * rowElements
        return Array(spanValues[skipped..<(skipped + rows.count * rowElements)])
    }

    /// See `HDF5PreparedChunks.worthDecodingSparse`.
    static var sparseCompressionRatio: Int { 4 }

    /// The most bytes `readRows` inflates beyond twice the rows asked for (chunks of many rows).
    static let maxRowSpanBytes = 32 << 20

    /// Walks the chunk index of a dataset this decoder would read (any stored numeric type) without reading or
    /// inflating a chunk: libhdf5 looks every chunk of the grid up in its index, as `read` makes it do, and each
    /// chunk's size is checked against the file. Returns false when the dataset is not one the decoder reads (the
    /// caller reads it whole instead); throws on a damaged index.
    ///
    /// This is what a reader in a child process needs to exercise: the index walk is libhdf5 parsing B-tree
    /// nodes from the file (where damage crashes it), while inflating is our own bounded code or zlib's.
    func checkIndex(verify: () throws -> Void) throws -> Bool {
        let elementSize = try withTemporaryIdentifier(H5Dget_type(dataset), kind: .datatype, context: context,
                                                      failure: "cannot read element type") { H5Tget_size($0) }
        guard elementSize > 0, let layout = try layout(memoryType: nil, elementSize: elementSize) else { return false }
        try verify()
        return try locateChunks(layout, stopAtUnwritten: false) != nil
    }

    /// The dataset's shape and chunking when it is chunked with deflate as its only filter and stored exactly as
    /// `memoryType` (no conversion needed; nil accepts any stored type); nil otherwise.
    func layout(memoryType: hid_t?, elementSize: Int) throws -> Layout? {
        // A file open for writing may hold chunks only in libhdf5's cache: its own pipeline reads those.
        guard chdf5_is_read_only(dataset) == 1 else { return nil }
        // Contiguous storage (it has an address) needs no look at the creation properties, a whole copy each time.
        guard H5Dget_offset(dataset) == haddr_t.max else { return nil }
        let chunkShape: [hsize_t]? = try withTemporaryIdentifier(
            H5Dget_create_plist(dataset), kind: .propertyList, context: context,
            failure: "cannot read creation properties") { properties in
            guard H5Pget_layout(properties) == H5D_CHUNKED, H5Pget_nfilters(properties) == 1 else { return nil }
            var flags: UInt32 = 0
            var parameterCount = 0
            var configuration: UInt32 = 0
            guard H5Pget_filter2(properties, 0, &flags, &parameterCount, nil, 0, nil, &configuration) == H5Z_FILTER_DEFLATE
            else { return nil }
            var dimensions = [hsize_t](repeating: 0, count: Int(CHDF5_MAX_RANK))
            let rank = H5Pget_chunk(properties, CHDF5_MAX_RANK, &dimensions)
            guard rank >= 1, rank <= CHDF5_MAX_RANK else { return nil }
            return Array(dimensions.prefix(Int(rank)))
        }
        guard let chunkShape else { return nil }
        if let memoryType {
            let sameType = try withTemporaryIdentifier(H5Dget_type(dataset), kind: .datatype, context: context,
                                                       failure: "cannot read element type") { H5Tequal($0, memoryType) > 0 }
            guard sameType else { return nil }
        }
        let shape: [hsize_t]? = try withTemporaryIdentifier(H5Dget_space(dataset), kind: .dataspace, context: context,
                                                            failure: "cannot read shape") { space in
            var dimensions = [hsize_t](repeating: 0, count: Int(CHDF5_MAX_RANK))
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank == Int32(chunkShape.count),
                  H5Sget_simple_extent_dims(space, &dimensions, nil) == rank else { return nil }
            return Array(dimensions.prefix(Int(rank)))
        }
        guard let shape, shape.allSatisfy({ $0 > 0 }), chunkShape.allSatisfy({ $0 > 0 }) else { return nil }
        var elementCount = 1
        var chunkBytes = elementSize
        for axis in shape.indices {
            guard shape[axis] <= hsize_t(Int.max), chunkShape[axis] <= hsize_t(UInt32.max) else { return nil }
            let (count, countOverflow) = elementCount.multipliedReportingOverflow(by: Int(shape[axis]))
            let (bytes, bytesOverflow) = chunkBytes.multipliedReportingOverflow(by: Int(chunkShape[axis]))
            guard !countOverflow, !bytesOverflow else { return nil }
            elementCount = count
            chunkBytes = bytes
        }
        // HDF5 limits a chunk to 4 GiB; anything larger is a damaged header, left to libhdf5's own checks.
        guard chunkBytes <= 1 << 32 else { return nil }
        return Layout(shape: shape, chunkShape: chunkShape, elementCount: elementCount, chunkBytes: chunkBytes)
    }

    /// Where each chunk of the grid lies in the array, and how many bytes it takes in the file.
    struct ChunkList: Sendable {
        var origins: [hsize_t] = []
        var sizes: [Int] = []
        var starts: [Int] = []
        var totalBytes = 0
        var count: Int { sizes.count }
    }

    /// Every chunk of the grid, row-major; nil when one was never written (libhdf5 supplies the fill value), unless
    /// `stopAtUnwritten` is false (the whole index is walked anyway).
    ///
    /// Each chunk's size is asked of libhdf5 by its coordinates (`H5Dget_chunk_storage_size`, one B-tree search);
    /// `H5Dget_chunk_info_by_coord` of libhdf5 1.10 walks the whole index for every chunk instead, which made
    /// locating a dataset's chunks quadratic in their number (6 % of a pruned VGG-16's start-up instructions).
    ///
    /// With `firstRow`, `layout` is the part of the dataset from that row on (a chunk boundary) and the origins are
    /// the dataset's; the count check against the whole index is then left out.
    func locateChunks(_ layout: Layout, stopAtUnwritten: Bool = true, firstRow: hsize_t? = nil) throws -> ChunkList? {
        let rank = layout.shape.count
        // Each chunk is looked up on its own; a grid of millions of tiny chunks is left to libhdf5's index walk.
        guard let grid = layout.grid?.extents else { return nil }
        let fileBytes = try fileSize()
        var list = ChunkList()
        var coordinate = [Int](repeating: 0, count: rank)
        var origin = [hsize_t](repeating: 0, count: rank)
        while true {
            for axis in 0..<rank { origin[axis] = hsize_t(coordinate[axis]) * layout.chunkShape[axis] }
            origin[0] += firstRow ?? 0
            // libhdf5 leaves the size untouched when no chunk was ever allocated.
            var size: hsize_t = 0
            guard H5Dget_chunk_storage_size(dataset, origin, &size) >= 0 else {
                throw context.libraryError("cannot locate the chunk at (\(origin.map(String.init).joined(separator: ", ")))")
            }
            if size == 0 {
                if stopAtUnwritten { return nil }
            } else {
                // Chunks of a sound file are disjoint pieces of it; sizes beyond that are a damaged index (where a
                // chunk lies is checked by libhdf5 when it is read).
                guard size <= fileBytes, list.totalBytes <= Int(fileBytes - size) else {
                    throw context.error("damaged file: the chunk at (\(origin.map(String.init).joined(separator: ", "))) "
                        + "declares \(size) bytes, more than the file's \(fileBytes) bytes hold beside the other chunks")
                }
                list.origins += origin
                list.starts.append(list.totalBytes)
                list.sizes.append(Int(size))
                list.totalBytes += Int(size)
            }
            if !Self.advance(&coordinate, within: grid) { break }
        }
        if firstRow != nil { return list }
        // Every chunk the index holds must be one the grid found: a damaged index can hold entries off the grid,
        // outside the dataset or twice over (libhdf5 1.10 then reads past its buffers in its own pipeline). Where
        // each chunk lies in the file is checked when libhdf5 reads it (`H5Dread_chunk` refuses bytes past the end).
        var indexed: hsize_t = 0
        let counted = try withTemporaryIdentifier(H5Dget_space(dataset), kind: .dataspace, context: context,
                                                  failure: "cannot read shape") { H5Dget_num_chunks(dataset, $0, &indexed) }
        guard counted >= 0, indexed == hsize_t(list.count) else {
            throw context.error("damaged file: the chunk index holds \(counted >= 0 ? String(indexed) : "an unreadable number of") "
                + "chunks, but \(list.count) of the dataset's chunk grid are stored")
        }
        return list
    }

    /// The chunks' stored bytes, one after another in `chunks` order; nil when a chunk was stored with a filter
    /// skipped (libhdf5's pipeline reads those).
    private func readRawChunks(_ chunks: ChunkList) throws -> [UInt8]? {
        let rank = chunks.origins.count / max(chunks.count, 1)
        var skippedFilter = false
        let bytes = try [UInt8](unsafeUninitializedCapacity: chunks.totalBytes) { buffer, initializedCount in
            for index in 0..<chunks.count {
                var filters: UInt32 = 0
                let status = chunks.origins.withUnsafeBufferPointer { origins in
                    H5Dread_chunk(dataset, hid_t(H5P_DEFAULT), origins.baseAddress! + index * rank, &filters,
                                  buffer.baseAddress! + chunks.starts[index])
                }
                try context.checkStatus(status, "cannot read the chunk at (\(chunks.origins[(index * rank)..<(index * rank + rank)].map(String.init).joined(separator: ", ")))")
                if filters != 0 { skippedFilter = true }
            }
            initializedCount = chunks.totalBytes
        }
        return skippedFilter ? nil : bytes
    }

    /// Steps `coordinate` to the next cell of `grid` in row-major order; false after the last cell.
    static func advance(_ coordinate: inout [Int], within grid: [Int]) -> Bool {
        var axis = coordinate.count - 1
        while axis >= 0 {
            coordinate[axis] += 1
            if coordinate[axis] < grid[axis] { return true }
            coordinate[axis] = 0
            axis -= 1
        }
        return false
    }

    private func fileSize() throws -> hsize_t {
        try withTemporaryIdentifier(H5Iget_file_id(dataset), kind: .file, context: context,
                                    failure: "cannot find the dataset's file") { file in
            var size: hsize_t = 0
            try context.checkStatus(H5Fget_filesize(file, &size), "cannot read the file's size")
            return size
        }
    }
}
