internal import CHDF5

/// A dataset's chunks found by walking its chunk index directly (Sources/CHDF5/chunk_index.h) instead of asking
/// libhdf5 for each chunk's size and bytes (two searches of the index from its root, and a copy into fresh pages):
/// the chunks are decoded where they lie in the file, mapped once per file (`HDF5FileMapping`).
enum HDF5ChunkIndex {
    /// Every chunk of `layout`'s grid in row-major order, their starts being offsets in the file, and the file's
    /// mapping; nil when the file is not open for reading through a mapping, the index is not one the walk reads,
    /// or it is not exactly a sound file's (the caller then asks libhdf5, which reports any damage).
    static func mappedChunks(dataset: hid_t, layout: HDF5ChunkDecoder.Layout, elementSize: Int,
                             context: HDF5ObjectContext) -> (chunks: HDF5ChunkDecoder.ChunkList, mapping: HDF5FileMapping)? {
        guard let mapping = context.fileMapping else { return nil }
        let rank = layout.shape.count
        guard let (grid, gridCount) = layout.grid, let mapped = mapping.mapped(from: dataset) else { return nil }
        var addresses = [UInt64](repeating: 0, count: gridCount)
        var sizes = [UInt64](repeating: 0, count: gridCount)
        let walked = withUnsafePointer(to: mapped.facts) { facts in
            layout.shape.withUnsafeBufferPointer { shape in
                layout.chunkShape.withUnsafeBufferPointer { chunkShape in
                    chdf5_walk_chunk_index(dataset, facts, Int32(rank), shape.baseAddress, chunkShape.baseAddress,
                                           elementSize, gridCount, &addresses, &sizes)
                }
            }
        }
        guard walked == 1 else { return nil }
        var list = HDF5ChunkDecoder.ChunkList()
        list.origins.reserveCapacity(gridCount * rank)
        list.starts.reserveCapacity(gridCount)
        list.sizes.reserveCapacity(gridCount)
        var coordinate = [Int](repeating: 0, count: rank)
        for cell in 0..<gridCount {
            for axis in 0..<rank { list.origins.append(hsize_t(coordinate[axis]) * layout.chunkShape[axis]) }
            // Inside the mapping: the walk checked each chunk against the mapped size.
            guard sizes[cell] <= UInt64(mapped.length), addresses[cell] <= UInt64(mapped.length) - sizes[cell] else { return nil }
            list.starts.append(Int(addresses[cell]))
            list.sizes.append(Int(sizes[cell]))
            list.totalBytes += Int(sizes[cell])
            _ = HDF5ChunkDecoder.advance(&coordinate, within: grid)
        }
        // Chunks of a sound file are disjoint pieces of it, as `locateChunks` checks.
        guard list.totalBytes <= mapped.length else { return nil }
        return (list, mapping)
    }
}
