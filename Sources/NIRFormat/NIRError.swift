import NetworkModel

/// A problem reading or writing a NIR file: the file, the node and field when one is to blame, and what was expected.
public struct NIRError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let node: String?
    public let field: String?
    public let message: String

    public init(file: String, node: String? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.node = node
        self.field = field
        self.message = message
    }

    /// Locates a network-level error in a file.
    init(file: String, _ error: NetworkError) {
        self.init(file: file, node: error.node, field: error.field, error.message)
    }

    /// One line: `file: node 'n': field 'f': message`.
    public var description: String {
        var parts = [file]
        if let node { parts.append("node '\(node)'") }
        if let field { parts.append("field '\(field)'") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
