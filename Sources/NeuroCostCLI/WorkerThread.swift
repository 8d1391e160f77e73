#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the forked worker's command on a thread created after the fork, never on the thread that forked.
///
/// On Linux the Swift runtime's locks (`swift_once` behind every lazy global, its metadata caches, and the
/// Synchronization module's `Mutex`) are priority-inheriting futexes whose word holds the owner's thread id, and each
/// thread caches its id the first time it locks. A forked process's one thread keeps its parent thread's cache, so in
/// the worker that id is the supervisor's. An uncontended lock still works; a contended one never ends: the kernel
/// refuses the unlock (the word names another thread) and the waiter retries. CI hung for its whole 90 minutes that
/// way, the forking thread and a Dispatch thread both initialising one lazy static (`SecondLevelCache.bytesPerCore`,
/// lock word = supervisor's pid | FUTEX_WAITERS). A thread made after the fork caches its own id; the forking thread
/// only waits for the process to end, with every signal blocked, so it never takes such a lock again.
enum WorkerThread {
    /// Smallest stack the command gets: the main thread's usual limit (8 MiB), which deep parses have relied on.
    static let minimumStackBytes = 8 << 20
    /// Stack when the stack limit is unlimited (address space only: pages are touched as the stack grows).
    static let unlimitedStackBytes = 256 << 20

    /// Runs `work` on a new thread and ends the process when it returns (status 0, as returning from `main`
    /// would); `work` may also end the process itself. Runs `work` here if no thread can be made.
    static func run(_ work: @escaping () -> Void) -> Never {
        let context = Unmanaged.passRetained(Work(work)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, stackBytes())
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let made = pthread_create(&thread, &attributes, { context in
            #if canImport(Glibc)
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            #else
            let work = Unmanaged<Work>.fromOpaque(context).takeRetainedValue()
            #endif
            work.body()
            exit(0)
        }, context)
        pthread_attr_destroy(&attributes)
        guard made == 0 else {
            Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
            exit(0)
        }
        // Signals go to the worker's other threads; this one only waits.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        #if canImport(Glibc)
        pthread_join(thread, nil)
        #else
        pthread_join(thread!, nil)
        #endif
        exit(0)  // not reached: the thread ends the process
    }

    /// The stack limit the main thread would have had (`ulimit -s`), at least `minimumStackBytes`.
    private static func stackBytes() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let known = getrlimit(Int32(RLIMIT_STACK.rawValue), &limit) == 0
        #else
        let known = getrlimit(RLIMIT_STACK, &limit) == 0
        #endif
        guard known else { return minimumStackBytes }
        guard limit.rlim_cur != rlim_t.max else { return unlimitedStackBytes }  // RLIM_INFINITY
        return max(minimumStackBytes, Int(clamping: limit.rlim_cur))
    }

    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
