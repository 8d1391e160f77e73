import NetworkModel

/// A value the reader finishes after the walk of the file: a tensor whose chunks are inflated on the decoding pool
/// while the walk goes on with libhdf5, or a node built from such tensors.
///
/// Every pending value is registered with its `NIRReadSession` in the order the walk made it, which is the order
/// the reader met its checks before the walk was split; `NIRReadSession.settle()` finishes them in that order, so
/// the error reported for a bad file is the one it always was (see `NIRReader.read`).
final class NIRPending<Value>: NIRSettling {
    private enum State {
        case waiting(() throws(NIRError) -> Value)
        case done(Value)
        case failed(NIRError)
    }

    private var state: State

    /// A value that is ready now.
    init(value: Value) {
        state = .done(value)
    }

    /// A value `finish` makes when it is first asked for; use `NIRReadSession.later` to register it.
    init(_ finish: @escaping () throws(NIRError) -> Value) {
        state = .waiting(finish)
    }

    func settle() -> NIRError? {
        do {
            _ = try value()
            return nil
        } catch {
            return error
        }
    }

    /// The value, finishing it first if needed; a failure is kept and thrown again.
    func value() throws(NIRError) -> Value {
        switch state {
        case .done(let value): return value
        case .failed(let error): throw error
        case .waiting(let finish):
            do {
                let value = try finish()
                state = .done(value)
                return value
            } catch {
                state = .failed(error)
                throw error
            }
        }
    }
}

/// What `NIRReadSession.settle()` finishes, whatever the value's type.
protocol NIRSettling: AnyObject {
    /// Finishes the value; its failure, if it failed.
    func settle() -> NIRError?
}

/// A tensor field whose values may still be being decoded; its shape is known.
struct NIRPendingTensor {
    let shape: [Int]
    let pending: NIRPending<ParameterTensor>

    func value() throws(NIRError) -> ParameterTensor { try pending.value() }
}
