/// The cores of one layer that each source neuron's spike reaches under a tiling, found per channel and tap (for a
/// convolution) or per non-zero weight column (for a matrix), never per synapse of the whole layer: one input axon
/// per (source neuron, destination core) pair, and for matrix synapses the list each axon carries into its core.
struct AxonReach {
    /// Compressed per source neuron: the layer-local cores it reaches.
    let destinationStarts: [Int32]
    let destinations: [Int32]
    /// Per layer-local core.
    let inputAxons: [Int]
    /// Per layer-local core: synaptic memory of the matrix connections' axon lists.
    let matrixMemoryBits: [Int]

    /// `connections` all go from one source to the layer tiled by `tiling` (`coreOf` its neurons' local cores).
    init(connections: [Connection], tiling: LayerTiling, coreOf: [Int32], neuronsOnCore: [Int], memory: SynapseMemory) {
        let cores = tiling.coreCount
        var memoryBits = [Int](repeating: 0, count: cores)
        let parts = connections.map { Self.reach($0, tiling: tiling, coreOf: coreOf, neuronsOnCore: neuronsOnCore, memory: memory, memoryBits: &memoryBits) }
        var starts: [Int32], destinations: [Int32]
        if parts.count == 1 {
            (starts, destinations) = parts[0]
        } else {
            // Several connections from one source into one layer: a core reached by two of them is one axon.
            let sourceCount = connections[0].map.sourceCount
            var stamp = [Int32](repeating: -1, count: cores)
            starts = [0]
            destinations = []
            for source in 0..<sourceCount {
                for part in parts {
                    for k in Int(part.starts[source])..<Int(part.starts[source + 1]) {
                        let core = Int(part.destinations[k])
                        if stamp[core] != Int32(source) { stamp[core] = Int32(source); destinations.append(Int32(core)) }
                    }
                }
                starts.append(Int32(destinations.count))
            }
        }
        var inputAxons = [Int](repeating: 0, count: cores)
        for core in destinations { inputAxons[Int(core)] += 1 }
        self.destinationStarts = starts
        self.destinations = destinations
        self.inputAxons = inputAxons
        self.matrixMemoryBits = memoryBits
    }

    private static func reach(_ connection: Connection, tiling: LayerTiling, coreOf: [Int32], neuronsOnCore: [Int],
                              memory: SynapseMemory, memoryBits: inout [Int]) -> (starts: [Int32], destinations: [Int32]) {
        let sourceCount = connection.map.sourceCount
        let cores = tiling.coreCount
        var stamp = [Int32](repeating: -1, count: cores)
        var starts: [Int32] = [0]
        starts.reserveCapacity(sourceCount + 1)
        var destinations: [Int32] = []
        let map = connection.map
        switch connection.synapses {
        case .convolution(let g):
            // Per input channel, the channel chunks it reaches and, per chunk, the taps non-zero for some output
            // channel of the chunk.
            var chunkLists = [[(chunk: Int, taps: UInt64)]](repeating: [], count: g.inputChannels)
            for ci in 0..<g.inputChannels {
                let ciLocal = ci % g.inputChannelsPerGroup
                var masks: [Int: UInt64] = [:]
                for co in g.outputChannels(reading: ci) {
                    let taps = g.tapMask[co * g.inputChannelsPerGroup + ciLocal]
                    if taps != 0 { masks[co / tiling.chunk, default: 0] |= taps }
                }
                chunkLists[ci] = masks.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            let (spatialTiles, tileHeight, tileWidth, tileColumns) = (tiling.spatialTiles, tiling.tileHeight, tiling.tileWidth, tiling.tileColumns)
            g.landingRow.withUnsafeBufferPointer { landingRow in
                g.landingColumn.withUnsafeBufferPointer { landingColumn in
                    for source in 0..<sourceCount {
                        let mark = Int32(truncatingIfNeeded: source)
                        map.forEachTarget(of: source) { element in
                            let ci = element / g.inputPlane, rest = element % g.inputPlane
                            let iy = rest / g.inputWidth, ix = rest % g.inputWidth
                            for (chunk, taps) in chunkLists[ci] {
                                var bits = taps
                                while bits != 0 {
                                    let tap = bits.trailingZeroBitCount
                                    bits &= bits - 1
                                    let oy = landingRow[iy &* g.kernelHeight &+ tap / g.kernelWidth]
                                    let ox = landingColumn[ix &* g.kernelWidth &+ tap % g.kernelWidth]
                                    guard oy >= 0, ox >= 0 else { continue }
                                    let core = chunk &* spatialTiles &+ (Int(oy) / tileHeight) &* tileColumns &+ Int(ox) / tileWidth
                                    if stamp[core] != mark { stamp[core] = mark; destinations.append(Int32(core)) }
                                }
                            }
                        }
                        starts.append(Int32(destinations.count))
                    }
                }
            }
        case .matrix(let columnStarts, let rows):
            var synapsesOnCore = [Int](repeating: 0, count: cores)
            for source in 0..<sourceCount {
                let mark = Int32(truncatingIfNeeded: source)
                let first = destinations.count
                map.forEachTarget(of: source) { column in
                    for entry in Int(columnStarts[column])..<Int(columnStarts[column + 1]) {
                        let core = Int(coreOf[Int(rows[entry])])
                        if stamp[core] != mark { stamp[core] = mark; destinations.append(Int32(core)) }
                        synapsesOnCore[core] += 1
                    }
                }
                for k in first..<destinations.count {
                    let core = Int(destinations[k])
                    memoryBits[core] += memory.listBits(synapses: synapsesOnCore[core], targets: neuronsOnCore[core])
                    synapsesOnCore[core] = 0
                }
                starts.append(Int32(destinations.count))
            }
        }
        return (starts, destinations)
    }

    @inline(__always)
    func forEachDestination(of source: Int, _ body: (Int) -> Void) {
        for k in Int(destinationStarts[source])..<Int(destinationStarts[source + 1]) { body(Int(destinations[k])) }
    }

    func destinationCount(of source: Int) -> Int { Int(destinationStarts[source + 1] - destinationStarts[source]) }
}
