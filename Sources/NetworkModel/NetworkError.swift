/// A problem with a network's structure or parameters, located at a node and, where it applies, one of its fields.
public struct NetworkError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The node the problem is in, if it is local to one node.
    public var node: String?
    /// The parameter or field of that node (for example `weight`), if one is to blame.
    public var field: String?
    /// What is wrong and what was expected, in one line.
    public var message: String

    public init(node: String? = nil, field: String? = nil, _ message: String) {
        self.node = node
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let node { parts.append("node '\(node)'") }
        if let field { parts.append("field '\(field)'") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
