import Dispatch

/// A value computed on another thread while the caller goes on with work that does not need it yet (start-up work
/// overlapped across the cores: a run's workers, the report's tables).
public final class BackgroundTask<Value: Sendable, Failure: Error>: @unchecked Sendable {
    // Written once by the computing thread before it signals `finished`; read only after `finished` was waited on.
    private var result: Result<Value, Failure>?
    private let finished = DispatchSemaphore(value: 0)

    /// Starts computing the value.
    public init(_ work: @escaping @Sendable () throws(Failure) -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { () throws(Failure) -> Value in try work() }
            finished.signal()
        }
    }

    /// The value, waiting for it if need be; an error thrown computing it is thrown here.
    public func value() throws(Failure) -> Value {
        finished.wait()
        finished.signal()  // later calls return at once
        return try result!.get()
    }
}
