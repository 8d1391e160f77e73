internal import CHDF5
import Synchronization

/// A file open for reading, described and mapped read-only once for every chunk read of it (`HDF5ChunkIndex`):
/// finding its descriptor, sizes and user block takes libhdf5 property-list copies worth more than a small
/// dataset's walk, and one mapping per file rather than one per dataset spares both decoding cores the TLB flushes
/// that unmapping pages they have read costs. Every object opened from the file shares it (through
/// `HDF5ObjectContext`), and so does each read still decoding; the file is unmapped when the last of them goes.
///
/// Sendable: the state is set under the lock, the mapping never written (`PROT_READ`) and unmapped only in
/// `deinit`.
final class HDF5FileMapping: @unchecked Sendable {
    /// The file as the walk sees it, and its bytes.
    struct Mapped {
        let facts: chdf5_file_facts
        let start: UnsafePointer<UInt8>
        let length: Int
    }

    private enum State {
        case notTried
        case mapped(Mapped)
        case unavailable
    }

    private let state = Mutex<State>(.notTried)

    /// The file's facts and mapping, found from `object` (any object of the file) on first use; nil when its chunks
    /// cannot be walked or it cannot be mapped.
    func mapped(from object: hid_t) -> Mapped? {
        state.withLock { state in
            switch state {
            case .mapped(let mapped):
                return mapped
            case .unavailable:
                return nil
            case .notTried:
                var facts = chdf5_file_facts()
                guard chdf5_chunk_file_facts(object, &facts) == 1, facts.size <= UInt64(Int.max),
                      let start = chdf5_map_file(facts.descriptor, Int(facts.size)) else {
                    state = .unavailable
                    return nil
                }
                let mapped = Mapped(facts: facts, start: start, length: Int(facts.size))
                state = .mapped(mapped)
                return mapped
            }
        }
    }

    /// The first mapped byte, if the file was mapped.
    var start: UnsafePointer<UInt8>? {
        state.withLock { state in
            if case .mapped(let mapped) = state { return mapped.start }
            return nil
        }
    }

    deinit {
        state.withLock { state in
            if case .mapped(let mapped) = state { chdf5_unmap_file(mapped.start, mapped.length) }
        }
    }
}
