internal import CHDF5

/// Threads that inflate datasets' chunks while the reading thread goes on with libhdf5 (Sources/CHDF5/decoder_pool.h).
///
/// libhdf5 is not thread-safe: every libhdf5 call stays on the thread that reads the file, and only the decoding
/// of raw chunks already read (`HDF5PendingValues.start(on:)`) runs here. The pool lives for one read: `close()`
/// (or the last reference going away) drops decodings not yet started and joins the threads. Use it from the
/// reading thread only.
public final class HDF5DecodingPool {
    /// nil once closed, or when the pool could not be made (each decoding then runs in its `values()`).
    fileprivate var pool: UnsafeMutablePointer<chdf5_pool>?

    /// A pool for a read allowed `threads` threads (nil: every online core, up to the decoder's cap of 16): the
    /// reading thread is one of them, so `threads - 1` helpers are started; with one thread, none is, and each
    /// decoding runs when its values are asked for.
    public init(threads: Int?) {
        let width = max(1, min(threads ?? Int.max, Int(chdf5_online_processors())))
        pool = chdf5_pool_open(Int32(width - 1))
    }

    /// Drops the decodings not yet started, waits for the running ones and stops the threads. Idempotent.
    public func close() {
        chdf5_pool_close(pool)
        pool = nil
    }

    deinit { close() }
}

/// The pool's C handle, handed to a decoding that shares its chunks with the pool's idle threads. Only the C pool
/// touches it, under its own lock.
struct HDF5PoolHandle: @unchecked Sendable {
    let pool: UnsafeMutablePointer<chdf5_pool>?
}

/// A closure run once by whichever thread takes its task; its effects are published by the pool's lock.
private final class HDF5PoolWork: @unchecked Sendable {
    let work: @Sendable (HDF5PoolHandle) -> Void
    let handle: HDF5PoolHandle

    init(work: @escaping @Sendable (HDF5PoolHandle) -> Void, handle: HDF5PoolHandle) {
        self.work = work
        self.handle = handle
    }
}

/// One piece of work submitted to an `HDF5DecodingPool`, run by the pool's threads or, if none has started it
/// when it is waited for, by the waiting thread. Use it from the reading thread only.
final class HDF5PoolTask {
    private let owner: HDF5DecodingPool
    private let box: HDF5PoolWork
    private let task: UnsafeMutablePointer<chdf5_pool_task>?
    private var finished = false

    /// Submits `work`, which is given the pool's handle to share chunk decoding with its idle threads.
    init(on owner: HDF5DecodingPool, _ work: @escaping @Sendable (HDF5PoolHandle) -> Void) {
        self.owner = owner
        box = HDF5PoolWork(work: work, handle: HDF5PoolHandle(pool: owner.pool))
        guard let pool = owner.pool else {
            task = nil
            return
        }
        // The box outlives the task: `deinit` drops the task (waiting if it runs) before the box is released.
        task = chdf5_pool_task_new({ context in
            let box = Unmanaged<HDF5PoolWork>.fromOpaque(context!).takeUnretainedValue()
            box.work(box.handle)
        }, Unmanaged.passUnretained(box).toOpaque())
        if let task { chdf5_pool_submit(pool, task) }
    }

    /// Returns once the work has run (here, if no thread of the pool had started it).
    func wait() {
        guard !finished else { return }
        finished = true
        if let task, let pool = owner.pool { chdf5_pool_wait(pool, task) }
        // Never submitted, or dropped by the pool's close: run here, without the pool.
        if task.map({ chdf5_pool_task_ran($0) == 0 }) ?? true {
            box.work(HDF5PoolHandle(pool: nil))
        }
    }

    deinit {
        if let task {
            if !finished, let pool = owner.pool { chdf5_pool_drop(pool, task) }
            chdf5_pool_task_free(task)
        }
    }
}
