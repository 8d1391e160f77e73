/// A validated network: nodes in a topological order of the forward edges, every node's input and output
/// shape inferred, recurrent edges marked. Built once from a file; the simulator and analyses walk it by index.
public struct Network: Sendable {
    /// Nodes in topological order: every forward edge goes from a lower to a higher index.
    public let nodes: [Node]
    /// Edges by node index, in the order the file listed them.
    public let edges: [Edge]
    /// Activation shape each node produces (no batch or time dimension).
    public let outputShapes: [[Int]]
    /// Shape of the summed input each node receives (the input's own shape for `Input`).
    public let inputShapes: [[Int]]
    /// Graph-level metadata.
    public let metadata: [String: MetadataValue]

    private let indexByName: [String: Int]
    private let incoming: [[Int]]
    private let outgoing: [[Int]]

    /// Validates the nodes and edges and infers shapes.
    /// - Throws: `NetworkError` naming the node, field and problem: unknown or duplicate edges, missing inputs,
    ///   shapes that contradict their neighbours, NaN or infinite parameters.
    public init(nodes unordered: [Node], edges namedEdges: [NamedEdge], metadata: [String: MetadataValue] = [:]) throws(NetworkError) {
        var position: [String: Int] = [:]
        for (index, node) in unordered.enumerated() {
            guard position[node.name] == nil else {
                throw NetworkError(node: node.name, "two nodes have this name")
            }
            position[node.name] = index
            try ParameterChecks.validate(node)
        }
        var seen = Set<NamedEdge>()
        var rawEdges: [(Int, Int)] = []
        for (number, edge) in namedEdges.enumerated() {
            for endpoint in [edge.source, edge.target] where position[endpoint] == nil {
                throw NetworkError("edge \(number) ('\(edge.source)' → '\(edge.target)'): no node named '\(endpoint)'")
            }
            guard seen.insert(edge).inserted else {
                throw NetworkError("edge \(number) ('\(edge.source)' → '\(edge.target)') is listed twice")
            }
            rawEdges.append((position[edge.source]!, position[edge.target]!))
        }
        let ordering = try GraphOrdering(nodes: unordered, edges: rawEdges)
        let newIndex = ordering.newIndexOfOriginal
        self.nodes = ordering.order.map { unordered[$0] }
        self.edges = rawEdges.enumerated().map { number, edge in
            Edge(source: newIndex[edge.0], target: newIndex[edge.1], isRecurrent: ordering.recurrentEdges.contains(number))
        }
        self.metadata = metadata
        var incoming = Array(repeating: [Int](), count: nodes.count)
        var outgoing = Array(repeating: [Int](), count: nodes.count)
        for (number, edge) in edges.enumerated() {
            incoming[edge.target].append(number)
            outgoing[edge.source].append(number)
        }
        self.incoming = incoming
        self.outgoing = outgoing
        self.indexByName = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
        let shapes = try ShapeInference.infer(nodes: nodes, edges: edges, incoming: incoming)
        self.inputShapes = shapes.inputs
        self.outputShapes = shapes.outputs
    }

    /// The index of the node with this name.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The node with this name.
    public func node(named name: String) -> Node? { indexByName[name].map { nodes[$0] } }

    /// Edges into node `index`.
    public func incomingEdges(of index: Int) -> [Edge] { incoming[index].map { edges[$0] } }

    /// Edges out of node `index`.
    public func outgoingEdges(of index: Int) -> [Edge] { outgoing[index].map { edges[$0] } }

    /// Indices of `Input` nodes, in order.
    public var inputIndices: [Int] { nodes.indices.filter { if case .input = nodes[$0].kind { return true } else { return false } } }

    /// Indices of `Output` nodes, in order.
    public var outputIndices: [Int] { nodes.indices.filter { if case .output = nodes[$0].kind { return true } else { return false } } }

    /// Whether any edge is recurrent (the network has cycles).
    public var hasRecurrentEdges: Bool { edges.contains { $0.isRecurrent } }

    /// The edges by name, in file order (for writing the network back).
    public var namedEdges: [NamedEdge] { edges.map { NamedEdge(nodes[$0.source].name, nodes[$0.target].name) } }
}
