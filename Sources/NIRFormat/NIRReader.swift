import HDF5Kit
import NetworkModel

/// Reads NIR files of every on-disk variant seen in the wild: nir 0.0.x (list-named nodes, integer edges),
/// 0.1–0.2, 1.0.x with or without `v_reset`, contiguous or compressed, mixed float32/float64, scalar and
/// broadcast parameters. Nested graphs are flattened: inner nodes are named `graph.node`, and the sub-graph's
/// Input and Output nodes are bypassed.
public enum NIRReader {
    /// Reads and validates the network in the file at `path`.
    ///
    /// Hostile files end in a `NIRError` naming the file, node and field: soft, external and dangling links,
    /// hard-link cycles, nesting deeper than `NIRReadOptions.maxGraphDepth`, sizes that overflow or exceed
    /// `options.maxMemoryBytes`, and fields this version does not know (unless `options.ignoreUnknownFields`).
    public static func read(path: String, options: NIRReadOptions = NIRReadOptions()) throws(NIRError) -> NIRDocument {
        let file: HDF5File
        do {
            file = try HDF5File(path: path, mode: .readOnly)
        } catch {
            throw NIRError(file: path, "cannot open as HDF5 (\((error as? HDF5Error)?.message ?? "\(error)"))")
        }
        defer { file.close() }

        let session = NIRReadSession(file: path, options: options)
        defer { session.close() }
        let top = NIRNodeGroupReader(group: file, session: session, node: "/")
        var version: String?
        if file.exists("version") {
            try top.requireHardLink("version")
            version = try top.string("version")
        }
        guard (try? file.linkKind(of: "node")) != nil else {
            throw NIRError(file: path, "no '/node' group: not a NIR graph file")
        }
        try top.requireHardLink("node")
        guard (try? file.kind(of: "node")) == .group else {
            throw NIRError(file: path, "'/node' is not a group: not a NIR graph file")
        }
        let root: HDF5Group
        do { root = try file.openGroup("node") } catch { throw NIRError(file: path, "cannot open '/node': \(error)") }

        let flattener = GraphFlattener(session: session)
        // Tensors are decoded while the walk goes on; whatever the walk or a tensor runs into first in the walk's
        // order is the error reported (as when each tensor was decoded where the walk met it).
        let graph: FlattenedGraph
        do {
            graph = try flattener.read(group: root, prefix: "", depth: 0)
        } catch {
            try session.settle()
            throw error
        }
        try session.settle()
        let flat = try graph.bypassingPorts()
        do {
            let network = try Network(nodes: flat.nodes, edges: flat.edges, metadata: graph.metadata)
            return NIRDocument(version: version, network: network, ignoredFields: session.ignoredFields)
        } catch {
            throw NIRError(file: path, error)
        }
    }
}

/// A node as the walk reads it: its kind is finished once its tensors are decoded.
struct PendingNode {
    let name: String
    /// The NIR `type` ("Input", "Conv2d", ...).
    let type: String
    let kind: NIRPending<NodeKind>
    let metadata: [String: MetadataValue]
}

/// One NIR graph level read into flat nodes and edges, with the inner Input/Output "ports" of sub-graphs still present.
struct FlattenedGraph {
    var nodes: [PendingNode] = []
    var edges: [NamedEdge] = []
    /// Full names of sub-graph Input/Output nodes, to be bypassed.
    var ports: Set<String> = []
    var metadata: [String: MetadataValue] = [:]
    let file: String

    /// Removes every port: each predecessor of a port connects to each of its successors. The nodes' kinds must be
    /// settled (`NIRReadSession.settle()`).
    func bypassingPorts() throws(NIRError) -> (nodes: [Node], edges: [NamedEdge]) {
        var edges = self.edges
        for port in ports.sorted() {
            let into = edges.filter { $0.target == port }.map(\.source)
            let outOf = edges.filter { $0.source == port }.map(\.target)
            edges.removeAll { $0.source == port || $0.target == port }
            for source in into {
                for target in outOf where source != port && target != port {
                    let edge = NamedEdge(source, target)
                    guard !edges.contains(edge) else {
                        throw NIRError(file: file, node: port, "bypassing this sub-graph port duplicates the edge '\(source)' → '\(target)'")
                    }
                    edges.append(edge)
                }
            }
        }
        var kept: [Node] = []
        for node in nodes where !ports.contains(node.name) {
            kept.append(Node(name: node.name, kind: try node.kind.value(), metadata: node.metadata))
        }
        return (kept, edges)
    }
}

/// Reads a graph group recursively, refusing any group reached twice (hard links can make cycles and
/// exponential fan-out) and nesting deeper than `NIRReadOptions.maxGraphDepth`.
final class GraphFlattener {
    let session: NIRReadSession
    /// Groups already read, with the node name they were read as.
    private var visited: [HDF5ObjectIdentity: String] = [:]

    var file: String { session.file }

    init(session: NIRReadSession) {
        self.session = session
    }

    /// Records `group` as read under `name`; a group seen before is a hard link back into the graph.
    private func visit(_ group: HDF5Group, as name: String) throws(NIRError) {
        let identity: HDF5ObjectIdentity
        do { identity = try group.identity() } catch { throw NIRError(file: file, node: name, "cannot identify the group: \(error)") }
        if let earlier = visited[identity] {
            throw NIRError(file: file, node: name, "is the same HDF5 group as '\(earlier)' (a hard link; a NIR graph holds each node once, and a link back to a graph is a cycle)")
        }
        visited[identity] = name
    }

    func read(group: HDF5Group, prefix: String, depth: Int) throws(NIRError) -> FlattenedGraph {
        let graphName = prefix.isEmpty ? "/" : String(prefix.dropLast())
        let here = NIRNodeGroupReader(group: group, session: session, node: graphName)
        guard depth <= NIRReadOptions.maxGraphDepth else {
            throw here.error(nil, "sub-graphs nested more than \(NIRReadOptions.maxGraphDepth) levels deep (NeuroCost's limit)")
        }
        try visit(group, as: graphName)
        // The graph's own `type` is required, and it must say it is a graph.
        guard here.has("type") else { throw here.error("type", "missing: a graph group needs type 'NIRGraph'") }
        let graphType = try here.string("type")
        guard graphType == "NIRGraph" else {
            throw here.error("type", "is '\(graphType)', but the top-level object of a NIR file must be a 'NIRGraph'")
        }
        try here.checkMembers(known: ["nodes", "edges"])
        var result = FlattenedGraph(file: file)
        if here.has("metadata") { result.metadata = try NIRMetadataReader.read(here, field: "metadata") }

        guard group.exists("nodes") else { throw here.error("nodes", "missing the group of nodes") }
        let nodesGroup: HDF5Group
        let names: [String]
        do {
            nodesGroup = try group.openGroup("nodes")
            names = try nodesGroup.memberNames()
        } catch {
            throw here.error("nodes", "cannot list: \(error)")
        }

        // Local name -> what an edge endpoint naming it means (sub-graphs resolve to their single port).
        var kinds: [String: String] = [:]
        var subgraphPorts: [String: (inputs: [String], outputs: [String])] = [:]
        for name in names {
            let full = prefix + name
            try NIRNodeGroupReader(group: nodesGroup, session: session, node: full).requireHardLink(name)
            let nodeGroup: HDF5Group
            do { nodeGroup = try nodesGroup.openGroup(name) } catch {
                throw NIRError(file: file, node: full, "expected a node group: \(error)")
            }
            let reader = NIRNodeGroupReader(group: nodeGroup, session: session, node: full)
            guard reader.has("type") else {
                throw reader.error("type", "missing: every node group needs a 'type' (a '/' in a node name is not supported)")
            }
            let type = try reader.string("type")
            kinds[name] = type
            if type == "NIRGraph" {
                let inner = try read(group: nodeGroup, prefix: full + ".", depth: depth + 1)
                // A node's kind is an Input (Output) exactly when its type is (NIRNodeDecoder).
                let innerInputs = inner.nodes.filter { $0.type == "Input" && !inner.ports.contains($0.name) }.map(\.name)
                let innerOutputs = inner.nodes.filter { $0.type == "Output" && !inner.ports.contains($0.name) }.map(\.name)
                subgraphPorts[name] = (innerInputs, innerOutputs)
                result.nodes += inner.nodes
                result.edges += inner.edges
                result.ports.formUnion(inner.ports)
                result.ports.formUnion(innerInputs + innerOutputs)
            } else {
                try visit(nodeGroup, as: full)
                let kind = try NIRNodeDecoder.decode(type: type, reader)
                let metadata = reader.has("metadata") ? try NIRMetadataReader.read(reader, field: "metadata") : [:]
                result.nodes.append(PendingNode(name: full, type: type, kind: kind, metadata: metadata))
            }
        }

        for (number, pair) in try readEdges(here, nodeNames: names).enumerated() {
            let source = try resolve(pair.0, asSource: true, edge: number, pair: pair, prefix: prefix, kinds: kinds, ports: subgraphPorts, graph: here)
            let target = try resolve(pair.1, asSource: false, edge: number, pair: pair, prefix: prefix, kinds: kinds, ports: subgraphPorts, graph: here)
            result.edges.append(NamedEdge(source, target))
        }
        return result
    }

    /// Resolves an edge endpoint: an exact local name first, a sub-graph to its single Input/Output, then `graph.inner`.
    private func resolve(_ name: String, asSource: Bool, edge number: Int, pair: (String, String), prefix: String,
                         kinds: [String: String], ports: [String: (inputs: [String], outputs: [String])],
                         graph: NIRNodeGroupReader) throws(NIRError) -> String {
        let describe = "edge \(number) ('\(pair.0)' → '\(pair.1)')"
        if let type = kinds[name] {
            guard type == "NIRGraph", let sub = ports[name] else { return prefix + name }
            let candidates = asSource ? sub.outputs : sub.inputs
            guard candidates.count == 1 else {
                throw graph.error("edges", "\(describe): sub-graph '\(name)' has \(candidates.count) \(asSource ? "Output" : "Input") nodes; name one as '\(name).<node>'")
            }
            return candidates[0]
        }
        if let dot = name.firstIndex(of: "."), kinds[String(name[..<dot])] == "NIRGraph" {
            return prefix + name
        }
        throw graph.error("edges", "\(describe): no node named '\(name)'")
    }

    /// Edges as name pairs: (N, 2) strings, or (nir 0.0.x) (N, 2) integer node indices; an empty float array means none.
    private func readEdges(_ graph: NIRNodeGroupReader, nodeNames: [String]) throws(NIRError) -> [(String, String)] {
        guard graph.has("edges") else { throw graph.error("edges", "missing required dataset") }
        let dataset: HDF5Dataset
        let shape: [Int]
        let type: HDF5ElementType
        do {
            dataset = try graph.group.openDataset("edges")
            shape = try dataset.shape
            type = try dataset.elementType
        } catch {
            throw graph.error("edges", "cannot read: \(error)")
        }
        guard let count = ShapeArithmetic.elementCount(shape) else { throw graph.error("edges", "declares shape \(shape), whose size overflows") }
        if count == 0 { return [] }
        guard shape.count == 2, shape[1] == 2 else { throw graph.error("edges", "expected shape (N, 2), got \(shape)") }
        // Each edge costs two names and a tuple once read; a generous 256 bytes bounds it before anything is read.
        guard let bytes = ShapeArithmetic.byteCount(elements: shape[0], bytesPerElement: 256),
              bytes <= session.options.maxMemoryBytes - session.committedBytes else {
            throw graph.error("edges", "declares \(shape[0]) edges, more than the memory limit of \(MemoryLimit.describe(session.options.maxMemoryBytes)) allows (--max-memory)")
        }
        do {
            switch type {
            case .string:
                let flat = try dataset.readStrings()
                return stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) }
            case .signedInteger, .unsignedInteger:
                // nir 0.0.x: nodes were a list stored as groups "0", "1", …; edges hold their indices.
                let flat = try dataset.read(as: Int64.self)
                return stride(from: 0, to: flat.count, by: 2).map { (String(flat[$0]), String(flat[$0 + 1])) }
            default:
                throw graph.error("edges", "expected strings or integer indices, found \(type)")
            }
        } catch let nir as NIRError {
            throw nir
        } catch {
            throw graph.error("edges", "cannot read: \(error)")
        }
    }
}
