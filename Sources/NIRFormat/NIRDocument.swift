import NetworkModel

/// A network read from, or to be written to, a NIR file.
public struct NIRDocument: Sendable {
    /// The `/version` string the writer stored (informational: nir never checks it, nor does NeuroCost).
    public var version: String?
    /// The network, with nested graphs flattened (`graph.node` names).
    public var network: Network
    /// Fields skipped because the reader was told to ignore unknown fields (empty otherwise).
    public var ignoredFields: [IgnoredField]

    public init(version: String?, network: Network, ignoredFields: [IgnoredField] = []) {
        self.version = version
        self.network = network
        self.ignoredFields = ignoredFields
    }
}
