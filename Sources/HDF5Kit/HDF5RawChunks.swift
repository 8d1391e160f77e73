internal import CHDF5

/// The stored (compressed) bytes of a dataset's chunks, as the chunk decoder reads them: copied out of the file by
/// libhdf5, or left where they lie in the file, mapped (`HDF5ChunkIndex`). Chunk `i` starts `starts[i]` bytes after
/// `withBytes`' pointer either way.
enum HDF5RawChunks: Sendable {
    case copied([UInt8])
    /// The whole file, mapped; the chunks' starts are their offsets in the file.
    case mapped(HDF5FileMapping)

    /// Bytes held in the process's own memory (a mapping's pages are the page cache's).
    var copiedByteCount: Int {
        if case .copied(let bytes) = self { return bytes.count }
        return 0
    }

    /// Calls `body` with the first byte; valid for the call only.
    func withBytes<R>(_ body: (UnsafePointer<UInt8>?) -> R) -> R {
        switch self {
        case .copied(let bytes):
            return bytes.withUnsafeBufferPointer { body($0.baseAddress) }
        case .mapped(let mapping):
            return withExtendedLifetime(mapping) { body(mapping.start) }
        }
    }
}
