/// A whole numeric dataset read in two halves, for a reader that goes on with libhdf5 while chunks are inflated
/// (`HDF5Dataset.readLater`): the libhdf5 half is done, and what is left calls no libhdf5 function.
public struct HDF5PendingValues<T: HDF5Numeric> {
    enum Source {
        /// Read whole already (libhdf5 read it: not a dataset the chunk decoder reads).
        case read(HDF5StoredValues<T>)
        /// Raw chunks waiting to be inflated.
        case chunks(HDF5PreparedChunks)
    }

    let source: Source
    let sparseLimit: Int?
    let census: Bool

    /// The raw (compressed) bytes held in memory until the decoding is done (none when they are mapped from the file).
    public var rawBytes: Int {
        if case .chunks(let prepared) = source { return prepared.compressed.copiedByteCount }
        return 0
    }

    /// Starts decoding on `pool`'s threads; the values are ready when `HDF5Decoding.values()` returns.
    public func start(on pool: HDF5DecodingPool) -> HDF5Decoding<T> {
        switch source {
        case .read(let values):
            return HDF5Decoding(finished: .success((values, nil)))
        case .chunks(let prepared):
            let result = HDF5DecodingResult<T>()
            let (sparseLimit, census) = (sparseLimit, census)
            let task = HDF5PoolTask(on: pool) { handle in
                result.outcome = Result { try prepared.decode(as: T.self, sparseLimit: sparseLimit, census: census, pool: handle) }
            }
            return HDF5Decoding(task: task, result: result)
        }
    }
}

/// Where a decoding on a pool's thread leaves its outcome; read only after the task has run (the pool's lock orders
/// the write before the read).
final class HDF5DecodingResult<T: HDF5Numeric>: @unchecked Sendable {
    var outcome: Result<(values: HDF5StoredValues<T>, census: HDF5FloatCensus?), any Error>?
}

/// A dataset being decoded by an `HDF5DecodingPool` (`HDF5PendingValues.start(on:)`). Use it from the reading thread
/// only; dropping it before `values()` drops the decoding if it has not started.
public final class HDF5Decoding<T: HDF5Numeric> {
    private let task: HDF5PoolTask?
    private let result: HDF5DecodingResult<T>

    init(task: HDF5PoolTask, result: HDF5DecodingResult<T>) {
        self.task = task
        self.result = result
    }

    init(finished outcome: Result<(values: HDF5StoredValues<T>, census: HDF5FloatCensus?), any Error>) {
        task = nil
        result = HDF5DecodingResult()
        result.outcome = outcome
    }

    /// The values, as `HDF5Dataset.readMostlyZeroCounted` gives them (the census only where `census` was asked
    /// for), once decoded: this thread runs the decoding if no thread of the pool has started it, and otherwise helps
    /// with it. A damaged chunk is reported here, named as the whole read names it.
    public func values() throws -> (values: HDF5StoredValues<T>, census: HDF5FloatCensus?) {
        task?.wait()
        guard let outcome = result.outcome else {
            preconditionFailure("HDF5Decoding: the decoding task finished without an outcome")
        }
        return try outcome.get()
    }
}
