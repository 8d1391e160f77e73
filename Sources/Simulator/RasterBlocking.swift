/// How a raster trace is cut into trace blocks (handed to the writer together) and into the results file's chunks,
/// chosen together so that every full block fills whole chunks, each written once, whole. Both sizes are powers of
/// two, so a chunk's samples divide a block's.
public enum RasterBlocking {
    /// A block's raster bytes at most: the trace pipeline holds up to two blocks and a worker's lanes at once.
    static let blockBytes = 32 << 20
    /// A chunk's bytes at most: the chunk being filled is held in memory per node.
    static let chunkBytes = 1 << 20
    static let minimumSamplesPerBlock = 8
    static let maximumSamplesPerBlock = 256

    /// Bytes of raster one sample of `nodes` fills: steps × ⌈neurons / 8⌉ per node.
    public static func bytesPerSample(plan: SimulationPlan, nodes: Set<Int>) -> Int {
        nodes.reduce(0) { $0 + plan.options.timesteps * ((plan.stages[$1].outputCount + 7) / 8) }
    }

    /// Samples per simulated block when rasters of `nodes` are traced (and nothing else).
    public static func samplesPerBlock(plan: SimulationPlan, nodes: Set<Int>) -> Int {
        let fitting = blockBytes / max(bytesPerSample(plan: plan, nodes: nodes), 1)
        return min(maximumSamplesPerBlock, max(minimumSamplesPerBlock, powerOfTwo(atMost: fitting)))
    }

    /// Samples per chunk of node `node`'s raster dataset: a divisor of `samplesPerBlock(plan:nodes:)`.
    public static func samplesPerChunk(plan: SimulationPlan, nodes: Set<Int>, node: Int) -> Int {
        let fitting = chunkBytes / max(bytesPerSample(plan: plan, nodes: [node]), 1)
        return min(samplesPerBlock(plan: plan, nodes: nodes), powerOfTwo(atMost: fitting))
    }

    /// The largest power of two not above `value` (1 for values below 2).
    private static func powerOfTwo(atMost value: Int) -> Int {
        value < 2 ? 1 : 1 << (Int.bitWidth - 1 - value.leadingZeroBitCount)
    }
}
