import Dispatch

/// A value computed on another thread while the caller goes on with work that does not need it yet.
final class BackgroundTask<Value: Sendable>: @unchecked Sendable {
    // Written once by the computing thread before it signals `finished`; read only after `finished` was waited on.
    private var result: Result<Value, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    /// Starts computing the value.
    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { try work() }
            finished.signal()
        }
    }

    /// The value, waiting for it if need be; an error thrown computing it is thrown here.
    func value() throws -> Value {
        finished.wait()
        finished.signal()  // later calls return at once
        return try result!.get()
    }
}
