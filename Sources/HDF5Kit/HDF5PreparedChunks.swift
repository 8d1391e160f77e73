internal import CHDF5

/// A chunked dataset's raw chunks as `HDF5ChunkDecoder.prepare` read them: decoding them calls no libhdf5
/// function, so it may run on any thread (an `HDF5DecodingPool`'s) while the reading thread goes on with libhdf5.
struct HDF5PreparedChunks: Sendable {
    let layout: HDF5ChunkDecoder.Layout
    let chunks: HDF5ChunkDecoder.ChunkList
    let compressed: HDF5RawChunks
    /// Threads for a decode without a pool.
    let threads: Int32
    let useLibdeflate: Int32
    let context: HDF5ObjectContext

    /// The values, as `HDF5ChunkDecoder.read(as:decoding:threads:sparseLimit:census:verify:)` gives them; with a
    /// pool, the chunks are shared with its idle threads instead of threads started for this dataset.
    func decode<T: HDF5Numeric>(as type: T.Type, sparseLimit: Int?, census: Bool,
                                pool: HDF5PoolHandle) throws -> (values: HDF5StoredValues<T>, census: HDF5FloatCensus?) {
        // The sparse decode tells zeros by their bits other than the sign: floating-point values only.
        let floatingPoint = T.self == Float.self || T.self == Double.self
        if let sparseLimit, floatingPoint, worthDecodingSparse(compressedBytes: chunks.totalBytes, elementSize: MemoryLayout<T>.size),
           let sparse = try decodeSparse(as: T.self, limit: sparseLimit, pool: pool) {
            return (sparse, nil)
        }
        let dense = try decodeDense(as: T.self, census: census && floatingPoint, pool: pool)
        return (.dense(dense.values), dense.census)
    }

    /// Whether a sparse decode is worth trying first: the array fits 32-bit indices, its elements are 4 or 8 bytes,
    /// and it compressed at least `sparseCompressionRatio` to one (a mostly-zero array compresses far better than
    /// that; float weights hardly compress, and trying them sparse would inflate their first chunks twice).
    private func worthDecodingSparse(compressedBytes: Int, elementSize: Int) -> Bool {
        guard elementSize == 4 || elementSize == 8, layout.elementCount <= Int(Int32.max) else { return false }
        return compressedBytes.multipliedReportingOverflow(by: HDF5ChunkDecoder.sparseCompressionRatio).partialValue
            <= layout.elementCount * elementSize
    }

    /// The sparse decode (Sources/CHDF5/chunks.h); nil when the array holds more than `limit` stored elements.
    private func decodeSparse<T: HDF5Numeric>(as type: T.Type, limit: Int, pool: HDF5PoolHandle) throws -> HDF5StoredValues<T>? {
        let rank = layout.shape.count
        var result = Self.withChunkPointers(compressed, chunks, layout) { c in
            chdf5_decode_chunks_sparse(c.bytes, c.starts, c.sizes, c.origins, chunks.count, Int32(rank), c.shape,
                                       c.chunkShape, MemoryLayout<T>.size, max(0, limit), threads, useLibdeflate, pool.pool)
        }
        defer { chdf5_sparse_result_free(&result) }
        guard result.failed == chunks.count else { throw Self.damagedChunk(result.failed, chunks, layout, context) }
        if result.too_dense != 0 { return nil }
        guard result.out_of_memory == 0 else {
            throw context.error("out of memory gathering the non-zero values of \(layout.elementCount) elements")
        }
        let count = result.count
        let indices = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: result.indices, byteCount: count * 4)
            }
            initialized = count
        }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: result.values,
                                                                        byteCount: count * MemoryLayout<T>.size)
            }
            initialized = count
        }
        let negativeZeros = result.negative_zeros.map { words in
            [UInt64](UnsafeBufferPointer(start: words, count: layout.elementCount / 64 + 1))
        }
        return .sparse(indices: indices, values: values, negativeZeros: negativeZeros, count: layout.elementCount)
    }

    /// Every chunk inflated and placed into the whole array; with `census` (floating-point elements only), the
    /// array's census too.
    private func decodeDense<T: HDF5Numeric>(as type: T.Type, census: Bool,
                                             pool: HDF5PoolHandle) throws -> (values: [T], census: HDF5FloatCensus?) {
        let rank = layout.shape.count
        var nonZeros = 0
        var nonFinite: Int32 = 0
        let values = try [T](unsafeUninitializedCapacity: layout.elementCount) { buffer, initializedCount in
            let failed = Self.withChunkPointers(compressed, chunks, layout) { c in
                census
                    ? chdf5_decode_chunks_counted(c.bytes, c.starts, c.sizes, c.origins, chunks.count, Int32(rank), c.shape,
                                                  c.chunkShape, MemoryLayout<T>.size,
                                                  UnsafeMutableRawPointer(buffer.baseAddress!), threads, useLibdeflate,
                                                  &nonZeros, &nonFinite, pool.pool)
                    : chdf5_decode_chunks_counted(c.bytes, c.starts, c.sizes, c.origins, chunks.count, Int32(rank),
                                                  c.shape, c.chunkShape, MemoryLayout<T>.size,
                                                  UnsafeMutableRawPointer(buffer.baseAddress!), threads, useLibdeflate,
                                                  nil, nil, pool.pool)
            }
            guard failed == chunks.count else { throw Self.damagedChunk(failed, chunks, layout, context) }
            initializedCount = layout.elementCount
        }
        return (values, census ? HDF5FloatCensus(nonZeroCount: nonZeros, anyNonFinite: nonFinite != 0) : nil)
    }

    /// The base addresses the C decoders take: the raw chunks, each chunk's start, size and origin, the array's
    /// shape and the chunk shape.
    struct ChunkPointers {
        let bytes: UnsafePointer<UInt8>?
        let starts: UnsafePointer<Int>?
        let sizes: UnsafePointer<Int>?
        let origins: UnsafePointer<hsize_t>?
        let shape: UnsafePointer<hsize_t>?
        let chunkShape: UnsafePointer<hsize_t>?
    }

    /// Calls `body` with the decoders' pointers, valid for the call only.
    static func withChunkPointers<R>(_ compressed: HDF5RawChunks, _ chunks: HDF5ChunkDecoder.ChunkList,
                                     _ layout: HDF5ChunkDecoder.Layout,
                                             _ body: (ChunkPointers) -> R) -> R {
        compressed.withBytes { bytes in
            chunks.starts.withUnsafeBufferPointer { starts in
                chunks.sizes.withUnsafeBufferPointer { sizes in
                    chunks.origins.withUnsafeBufferPointer { origins in
                        layout.shape.withUnsafeBufferPointer { shape in
                            layout.chunkShape.withUnsafeBufferPointer { chunkShape in
                                body(ChunkPointers(bytes: bytes, starts: starts.baseAddress,
                                                   sizes: sizes.baseAddress, origins: origins.baseAddress,
                                                   shape: shape.baseAddress, chunkShape: chunkShape.baseAddress))
                            }
                        }
                    }
                }
            }
        }
    }

    static func damagedChunk(_ failed: Int, _ chunks: HDF5ChunkDecoder.ChunkList, _ layout: HDF5ChunkDecoder.Layout,
                             _ context: HDF5ObjectContext) -> HDF5Error {
        let rank = layout.shape.count
        let origin = chunks.origins[(failed * rank)..<(failed * rank + rank)].map(String.init)
        return context.error("damaged chunk at (\(origin.joined(separator: ", "))): its deflate stream is "
            + "corrupt or does not inflate to the chunk's \(layout.chunkBytes) bytes")
    }
}
