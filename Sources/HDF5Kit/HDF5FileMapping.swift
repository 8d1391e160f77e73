internal import CHDF5
import Synchronization

/// A file open for reading, mapped read-only once for every chunk read of it (`HDF5ChunkIndex`): one mapping per
/// file rather than one per dataset, because unmapping pages that both decoding threads have read interrupts the
/// other core to flush its TLB, which cost more than the mapping saved. Every object opened from the file shares it
/// (through `HDF5ObjectContext`), and so does each read still decoding; the file is unmapped when the last of them
/// goes.
///
/// Sendable: the mapping is made under the lock, never written (`PROT_READ`) and unmapped only in `deinit`.
final class HDF5FileMapping: @unchecked Sendable {
    private enum State {
        case notTried
        case mapped(start: UnsafePointer<UInt8>, length: Int)
        case failed
    }

    private let state = Mutex<State>(.notTried)

    /// The mapping, made from `descriptor` on first use with the file's `fileSize` bytes then; nil when the file
    /// cannot be mapped.
    func bytes(descriptor: Int32, fileSize: UInt64) -> (start: UnsafePointer<UInt8>, length: Int)? {
        state.withLock { state in
            switch state {
            case .mapped(let start, let length):
                return (start, length)
            case .failed:
                return nil
            case .notTried:
                guard fileSize > 0, fileSize <= UInt64(Int.max), let start = chdf5_map_file(descriptor, Int(fileSize)) else {
                    state = .failed
                    return nil
                }
                state = .mapped(start: start, length: Int(fileSize))
                return (start, Int(fileSize))
            }
        }
    }

    /// The first mapped byte, if the file was mapped.
    var start: UnsafePointer<UInt8>? {
        state.withLock { state in
            if case .mapped(let start, _) = state { return start }
            return nil
        }
    }

    deinit {
        state.withLock { state in
            if case .mapped(let start, let length) = state { chdf5_unmap_file(start, length) }
        }
    }
}
