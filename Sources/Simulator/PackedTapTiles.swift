/// A dense convolution's `denseTapTiles` kept a second time in half the bytes, when that loses nothing: every
/// weight's float32 bit pattern ends in 16 zero bits (it is exactly a bfloat16: 8 significant bits, which weights
/// quantized to 8-bit levels with a power-of-two scale are). The scatter by position then reads 128-byte rows
/// instead of 256-byte ones and widens them back by a shift or a mask: the widened weights are the float32
/// weights bit for bit, so every product, sum, potential and count is the float rows' (docs/execution-model.md).
/// Word j of each 16-word half of a 64-channel row holds channel j of that half's 32 in its low 16 bits and
/// channel j + 16 in its high 16 (see `NCPackedPositionPlaneKernel` in CKernels.h).
struct PackedTapTiles: Sendable {
    /// The packed words, at half the float index of the row they pack (tap blocks, tiles and rows as in
    /// `denseTapTiles`); words of a last tile narrower than 64 channels are unused (that tile takes the float path).
    let words: ImmutableBuffer<UInt32>

    /// Layers whose float rows take fewer bytes than this machine's per-core second-level cache keep only them. The
    /// rows' reads cost the kernel little while they fit that cache, and widening costs two extra operations per 32
    /// weights: in isolation on VGG-16's layers, on a Xeon with 2 MB of L2 per core, the packed rows were 0.87-1.0x
    /// the float rows' speed on layers of 64-128 channels (0.6-1.2 MB), 1.02-1.22x on 256-channel ones (2.4-4.7 MB)
    /// and 1.15-1.56x on 512-channel ones (9.4 MB) (Benchmarks/RESULTS.md, "Dense simulation, round 5"). A CPU with a
    /// smaller L2 (1 MB on AMD Zen 4) packs more layers. Only speed depends on it, never a result.
    static var defaultMinimumFloatBytes: Int { SecondLevelCache.bytesPerCore }

    /// The packed copy of `tiles` (`inputChannels` × `taps` × `outputChannels` floats, tiled as `denseTapTiles`), or
    /// nil when a weight needs more than its high 16 bits or the float rows take fewer than `minimumFloatBytes`.
    /// `knownExact`: whether every weight is exactly its high 16 bits, when the caller found that out while writing
    /// `tiles` (then they are not read again to ask); nil to check here.
    init?(tiles: ImmutableBuffer<Float>, inputChannels: Int, outputChannels: Int, taps: Int,
          minimumFloatBytes: Int = defaultMinimumFloatBytes, knownExact: Bool? = nil, arena: BufferArena) {
        let count = tiles.count
        precondition(count == inputChannels * outputChannels * taps, "tiles of \(count) floats for \(inputChannels) × \(outputChannels) × \(taps)")
        guard count * MemoryLayout<Float>.size >= minimumFloatBytes, knownExact ?? Self.isExact(tiles) else { return nil }
        let tile = ConvolutionScatter.outputTile
        let fullTiles = outputChannels / tile
        guard fullTiles > 0 else { return nil }
        // The full tiles' words are all written below and the narrow last tile's are zeroed, so the arena need not
        // zero them all first.
        words = arena.store(overwritingEvery: count / 2) { (words: UnsafeMutableBufferPointer<UInt32>) in
            let source = tiles.pointer, destination = words.baseAddress!
            let tapStride = inputChannels &* outputChannels
            let narrowFloats = (outputChannels &- fullTiles &* tile) &* inputChannels
            for tap in 0..<taps {
                for tileIndex in 0..<fullTiles {
                    let tileStart = tap &* tapStride &+ tileIndex &* tile &* inputChannels
                    for channel in 0..<inputChannels {
                        let row = tileStart &+ channel &* tile
                        Self.pack(row: source + row, into: destination + row / 2)
                    }
                }
                if narrowFloats > 0 {
                    let narrowStart = tap &* tapStride &+ fullTiles &* tile &* inputChannels
                    (destination + narrowStart / 2).initialize(repeating: 0, count: narrowFloats / 2)
                }
            }
        }
    }

    /// Whether every value's low 16 bits are zero (then its high 16 bits followed by 16 zeros are its exact bits,
    /// whatever it is: signed zero, subnormal, infinity or NaN alike).
    static func isExact(_ values: ImmutableBuffer<Float>) -> Bool {
        var lowBits: UInt32 = 0
        for index in 0..<values.count { lowBits |= values.pointer[index].bitPattern & 0xFFFF }
        return lowBits == 0
    }

    /// One 64-channel row of floats as 32 words.
    @inline(__always)
    private static func pack(row: UnsafeMutablePointer<Float>, into words: UnsafeMutablePointer<UInt32>) {
        for half in 0..<2 {
            for j in 0..<16 {
                let low = row[half &* 32 &+ j].bitPattern, high = row[half &* 32 &+ j &+ 16].bitPattern
                words[half &* 16 &+ j] = (low >> 16) | (high & 0xFFFF_0000)
            }
        }
    }
}
