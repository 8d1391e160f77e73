/// How the engine laid out a weighted node's synapses (chosen per node from its density and geometry; see
/// docs/execution-model.md). Exposed read-only so that tests can prove which path each reference case exercised.
public enum WeightLayout: String, Sendable, CaseIterable {
    /// Affine/Linear, dense: one row of weights per input element (transposed matrix).
    case denseRows = "dense rows"
    /// Affine/Linear, sparse: compressed sparse columns (the non-zero weights from each input element).
    case compressedColumns = "CSC"
    /// Dense convolution: tap-major weights written channels-last, one input element at a time.
    case denseChannelsLastTaps = "dense channels-last taps"
    /// Dense convolution scattered by input position, through weight tiles of up to 64 output channels.
    case denseTapsByPosition = "dense taps by position"
    /// Sparse convolution: per-tap lists of output channels and weights.
    case sparseTapLists = "sparse tap lists"
    /// Sparse stride-1 convolution: one flat list per class of input position.
    case sparsePositionClassLists = "sparse position-class lists"
    /// Scale: one factor per element.
    case elementwise
}

extension SimulationPlan {
    /// The layout of the weighted node named `name`, or nil when it has no weights (or no such node).
    public func weightLayout(ofNode name: String) -> WeightLayout? {
        guard let node = network.index(of: name), case .weighted(let kernel, _, _, _) = stages[node].kind else { return nil }
        switch kernel {
        case .denseMatrix: return .denseRows
        case .sparseMatrix: return .compressedColumns
        case .elementwise: return .elementwise
        case .convolution(let scatter):
            switch scatter.weights {
            case .denseTapRows: return .denseChannelsLastTaps
            case .denseTapTiles: return .denseTapsByPosition
            case .sparseTaps: return .sparseTapLists
            case .sparsePositionClasses: return .sparsePositionClassLists
            }
        }
    }

    /// Whether spikes reaching the node named `name` through a pool are summed per input element before its
    /// synapses are walked (sparse convolutions with position-class lists fed through a route that is not the identity).
    public func mergesPooledInputs(ofNode name: String) -> Bool {
        guard weightLayout(ofNode: name) == .sparsePositionClassLists, let node = network.index(of: name) else { return false }
        return stages[node].projections.contains { $0.carriesSpikes && !$0.route.isIdentity }
    }
}
