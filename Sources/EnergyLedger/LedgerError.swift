/// A run that cannot be priced under a profile: a constant the counts need is not published in it.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
    public let profile: String
    public let field: String
    public let message: String

    public var description: String { "profile '\(profile)': field '\(field)': \(message)" }
}
