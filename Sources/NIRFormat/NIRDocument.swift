import NetworkModel

/// A network read from, or to be written to, a NIR file.
public struct NIRDocument: Sendable {
    /// The `/version` string the writer stored (informational: nir never checks it, nor does NeuroCost).
    public var version: String?
    /// The network, with nested graphs flattened (`graph.node` names).
    public var network: Network

    public init(version: String?, network: Network) {
        self.version = version
        self.network = network
    }
}
