/// One node of a network: a unique name, what it computes, and free-form metadata.
public struct Node: Sendable, Equatable {
    /// Unique within the network; nodes of flattened sub-graphs are named `graph.node`.
    public let name: String
    public let kind: NodeKind
    public let metadata: [String: MetadataValue]

    public init(name: String, kind: NodeKind, metadata: [String: MetadataValue] = [:]) {
        self.name = name
        self.kind = kind
        self.metadata = metadata
    }
}

/// A directed connection by node name, as files state them. Several edges into one node are summed.
public struct NamedEdge: Sendable, Equatable, Hashable {
    public let source: String
    public let target: String

    public init(_ source: String, _ target: String) {
        self.source = source
        self.target = target
    }
}

/// A connection between node indices of a `Network`.
public struct Edge: Sendable, Equatable {
    public let source: Int
    public let target: Int
    /// A back edge of a cycle: it carries the source's value from the previous time step (zeros at the first).
    public let isRecurrent: Bool
}
