/// How a convolution's weights are laid out for scattering, chosen per node from its density and geometry
/// (docs/execution-model.md). Each case carries exactly the storage its scatter reads.
enum ConvolutionWeights: Sendable {
    /// Dense (grouped or not): tap-major, row `(ky·kW + kx)·C_in + c` holds the weights from input channel c to its
    /// group's output channels, contiguous, so that one input element's scatter writes a channels-last (H, W, C)
    /// output with a vectorisable inner loop.
    case denseTapRows(ImmutableBuffer<Float>)
    /// Dense, ungrouped, output channels a multiple of eight: each tap's block cut into tiles of up to
    /// `ConvolutionScatter.outputTile` output channels, a tile holding a row of its channels per input channel
    /// (input channels × 64 × 4 bytes, 128 kB for 512 input channels, stays in the L2 cache while every position
    /// and step of a group is added through it: see `ConvolutionScatter.scatter(byPosition:...)`).
    case denseTapTiles(ImmutableBuffer<Float>)
    /// Sparse: per input channel and tap, the output channels with a non-zero weight and the weights.
    case sparseTaps(SparseTapLists)
    /// Sparse with stride 1: one flat list per class of input position and input channel; the per-tap lists are
    /// kept for enumerating targets (fan-out, NeuroBench's counts), which the flat lists cannot answer per tap.
    case sparsePositionClasses(PositionClassLists, taps: SparseTapLists)

    /// Whether scatters write a channels-last (H·W, C) buffer that the caller transposes afterwards (dense layers).
    var writesChannelsLast: Bool {
        switch self {
        case .denseTapRows, .denseTapTiles: true
        case .sparseTaps, .sparsePositionClasses: false
        }
    }
}

/// CSR over rows `(c·kH + ky)·kW + kx`: the output channels (ascending) with a non-zero weight from input channel c
/// at tap (ky, kx), and those weights.
struct SparseTapLists: Sendable {
    let starts: ImmutableBuffer<Int32>
    let channels: ImmutableBuffer<Int32>
    let weights: ImmutableBuffer<Float>
}

/// Sparse stride-1 convolutions: input positions fall into a few classes by which kernel taps land inside the
/// output (all of them away from the borders; 9 classes for a 3×3 kernel). Per class and input channel, one flat
/// list of the non-zero weights of the taps that land, as offsets into the (C, H, W) output relative to where tap
/// (0, 0) would land: a spike walks one loop, with no branch per tap (they mispredict) and no wasted taps.
struct PositionClassLists: Sendable {
    /// List `class · C_in + c` is entries `starts[list] ..< starts[list + 1]`, padded to an even length.
    let starts: ImmutableBuffer<Int32>
    let offsets: ImmutableBuffer<Int32>
    let weights: ImmutableBuffer<Float>
    /// Per input position: its class's first list (class × input channels), and where tap (0, 0) would land
    /// (possibly outside the output), side by side so that a spike needs one load for both.
    let positions: ImmutableBuffer<SIMD2<Int32>>

    /// Input element (`channel`, `position` in its plane): its list's entries `first ..< end`, and the output offset
    /// its entries are relative to.
    @inline(__always)
    func list(channel: Int, position: Int) -> (first: Int, end: Int, origin: Int) {
        let info = positions[position]
        let list = Int(info[0]) &+ channel
        return (Int(starts[list]), Int(starts[list &+ 1]), Int(info[1]))
    }
}
