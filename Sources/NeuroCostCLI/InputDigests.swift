import Dispatch
import NeuroCost

/// SHA-256 of a run's network and data files (recorded as provenance), computed on a spare thread while the
/// network is read and planned: hashing is independent of both, and on the critical path it cost about as much as
/// a 22 MB dense VGG-16's file takes to hash (tens of milliseconds of start-up).
final class InputDigests: @unchecked Sendable {
    // Written once by the hashing thread before it signals `finished`; read only after `finished` was waited on.
    private var network: Result<String, any Error>?
    private var data: Result<String, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    /// Starts hashing both files.
    init(networkFile: String, dataFile: String) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            network = Result { try RunProvenance.sha256(ofFile: networkFile) }
            data = Result { try RunProvenance.sha256(ofFile: dataFile) }
            finished.signal()
        }
    }

    /// The two digests (hex), waiting for them if need be; a file that could not be read throws here.
    func digests() throws -> (network: String, data: String) {
        finished.wait()
        finished.signal()  // later calls return at once
        return (try network!.get(), try data!.get())
    }
}
