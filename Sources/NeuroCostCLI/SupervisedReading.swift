#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The worker's side of `Supervisor`: says which input file it is reading, so that a crash or hang of libhdf5
/// there is reported as that file's damage.
///
/// Messages are `r<seconds>\t<path>` (reading this file, allowed this long) and `d` (done reading), each ended by
/// a NUL byte (a path cannot hold one). Outside a supervised worker (tests running commands in-process, a
/// platform without fork) reading just reads.
enum SupervisedReading {
    /// The pipe to the supervisor, or -1; set once in the worker before any other thread starts.
    nonisolated(unsafe) private static var progressDescriptor: Int32 = -1
    /// The read end of a pipe whose only writer is the supervisor; read by the lifeline thread.
    nonisolated(unsafe) private static var lifelineDescriptor: Int32 = -1

    /// Seconds libhdf5 gets for a file's metadata (the old probe child's limit): damaged metadata has made it
    /// loop forever.
    static let metadataSeconds = 15
    /// The slowest rate at which a read is assumed to inflate and place parameter arrays (bytes per second;
    /// one core does several hundred MB/s), for the time limit of large files.
    static let slowestDecodeBytesPerSecond = 50 << 20
    /// Deflate inflates at most about 1,032 bytes per stored byte.
    static let largestDeflateRatio = 1032

    static var isSupervised: Bool { progressDescriptor >= 0 }

    /// Called in the worker right after the fork: keeps the progress pipe and ends this process when the
    /// supervisor ends (its pipe then reaches end of file), so that no orphaned worker goes on writing.
    static func attach(progressDescriptor progress: Int32, lifelineDescriptor lifeline: Int32) {
        progressDescriptor = progress
        lifelineDescriptor = lifeline
        var thread = pthread_t()
        let made = pthread_create(&thread, nil, { _ in
            var byte: UInt8 = 0
            while read(SupervisedReading.lifelineDescriptor, &byte, 1) < 0 && errno == EINTR {}
            kill(getpid(), SIGKILL)
            return nil
        }, nil)
        if made == 0 { pthread_detach(thread) }
    }

    /// The time a read of `path` may take before it counts as hung: the metadata allowance, plus inflating the
    /// most the file could decode to (bounded by the memory limit) at the slowest assumed rate.
    static func timeLimitSeconds(path: String, memoryLimit: Int) -> Int {
        var info = stat()
        let stored = stat(path, &info) == 0 ? Int(info.st_size) : 0
        let decoded = min(memoryLimit, stored.multipliedReportingOverflow(by: largestDeflateRatio).overflow
                          ? memoryLimit : stored * largestDeflateRatio)
        return metadataSeconds + decoded / slowestDecodeBytesPerSecond
    }

    /// Runs `body`, which reads `path` through libhdf5, as a reading phase: the supervisor names the file if the
    /// process crashes or `body` overruns its time limit. Crash signals take their default action meanwhile, so
    /// the worker dies at once instead of running the Swift runtime's crash reporter on libhdf5's fault.
    static func reading<T>(_ path: String, memoryLimit: Int, _ body: () throws -> T) throws -> T {
        guard isSupervised else { return try body() }
        send("r\(timeLimitSeconds(path: path, memoryLimit: memoryLimit))\t\(path)")
        var previous: [sigaction] = []
        for crashSignal in Supervisor.crashSignals {
            var old = sigaction()
            sigaction(crashSignal, nil, &old)  // kept whole (the runtime's handler takes SA_SIGINFO) to restore
            previous.append(old)
            _ = signal(crashSignal, SIG_DFL)
        }
        defer {
            for (signal, old) in zip(Supervisor.crashSignals, previous) {
                var restored = old
                sigaction(signal, &restored, nil)
            }
            send("d")
        }
        return try body()
    }

    private static func send(_ message: String) {
        var bytes = Array(message.utf8)
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(progressDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }  // the supervisor is gone; the lifeline ends this process
            sent += count
        }
    }
}
