internal import CHDF5
import Foundation

/// Facts about the linked libhdf5 and the one lock that keeps a non-thread-safe build safe.
///
/// libhdf5 built without `--enable-threadsafe` must not be entered from two threads at once. NeuroCost uses it
/// from two threads in one place: a run reads the next block of data while the previous block's traces are
/// written. Both sides go through `serialized`, which takes a process-wide lock only when the library needs it.
public enum HDF5Library {
    /// Whether the linked libhdf5 was built thread-safe (asked once, at first use).
    public static let isThreadSafe: Bool = chdf5_is_threadsafe() == 1

    private static let lock = NSLock()

    /// Runs `body` holding the process-wide libhdf5 lock when the library is not thread-safe.
    public static func serialized<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard !isThreadSafe else { return try body() }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
