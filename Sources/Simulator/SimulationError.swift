/// A run that cannot go ahead: an unsupported network, data that do not fit it, or a bad option.
public struct SimulationError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
