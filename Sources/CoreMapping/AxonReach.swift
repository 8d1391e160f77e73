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
        let sourceCount = connections[0].map.sourceCount
        let cores = tiling.coreCount
        var stamp = [Int32](repeating: -1, count: cores)
        var synapsesOnCore = [Int](repeating: 0, count: cores)
        var inputAxons = [Int](repeating: 0, count: cores)
        var memoryBits = [Int](repeating: 0, count: cores)
        var starts: [Int32] = [0]
        starts.reserveCapacity(sourceCount + 1)
        var destinations: [Int32] = []
        // Per convolution: per (channel chunk, input channel), the taps non-zero for some output channel of the chunk.
        let chunkMasks: [[UInt64]?] = connections.map { connection in
            guard case .convolution(let g) = connection.synapses else { return nil }
            var masks = [UInt64](repeating: 0, count: tiling.chunks * g.inputChannels)
            for ci in 0..<g.inputChannels {
                let ciLocal = ci % g.inputChannelsPerGroup
                for co in g.outputChannels(reading: ci) {
                    masks[(co / tiling.chunk) * g.inputChannels + ci] |= g.tapMask[co * g.inputChannelsPerGroup + ciLocal]
                }
            }
            return masks
        }
        for source in 0..<sourceCount {
            let first = destinations.count
            let mark = Int32(truncatingIfNeeded: source)
            for (index, connection) in connections.enumerated() {
                switch connection.synapses {
                case .convolution(let g):
                    let masks = chunkMasks[index]!
                    connection.map.forEachTarget(of: source) { element in
                        let ci = element / g.inputPlane, rest = element % g.inputPlane
                        let iy = rest / g.inputWidth, ix = rest % g.inputWidth
                        for chunk in 0..<tiling.chunks {
                            var bits = masks[chunk * g.inputChannels + ci]
                            while bits != 0 {
                                let tap = bits.trailingZeroBitCount
                                bits &= bits - 1
                                let oy = g.landingRow[iy * g.kernelHeight + tap / g.kernelWidth]
                                let ox = g.landingColumn[ix * g.kernelWidth + tap % g.kernelWidth]
                                guard oy >= 0, ox >= 0 else { continue }
                                let core = chunk * tiling.spatialTiles + (Int(oy) / tiling.tileHeight) * tiling.tileColumns
                                    + Int(ox) / tiling.tileWidth
                                if stamp[core] != mark { stamp[core] = mark; destinations.append(Int32(core)) }
                            }
                        }
                    }
                case .matrix(let columnStarts, let rows):
                    let before = destinations.count
                    connection.map.forEachTarget(of: source) { column in
                        for entry in Int(columnStarts[column])..<Int(columnStarts[column + 1]) {
                            let core = Int(coreOf[Int(rows[entry])])
                            if stamp[core] != mark { stamp[core] = mark; destinations.append(Int32(core)) }
                            synapsesOnCore[core] += 1
                        }
                    }
                    // Cores reached before by another connection of this source keep their count at zero here.
                    for k in first..<destinations.count {
                        let core = Int(destinations[k])
                        guard synapsesOnCore[core] > 0 else { continue }
                        memoryBits[core] += memory.listBits(synapses: synapsesOnCore[core], targets: neuronsOnCore[core])
                        synapsesOnCore[core] = 0
                    }
                    _ = before
                }
            }
            for k in first..<destinations.count { inputAxons[Int(destinations[k])] += 1 }
            starts.append(Int32(destinations.count))
        }
        self.destinationStarts = starts
        self.destinations = destinations
        self.inputAxons = inputAxons
        self.matrixMemoryBits = memoryBits
    }

    @inline(__always)
    func forEachDestination(of source: Int, _ body: (Int) -> Void) {
        for k in Int(destinationStarts[source])..<Int(destinationStarts[source + 1]) { body(Int(destinations[k])) }
    }

    func destinationCount(of source: Int) -> Int { Int(destinationStarts[source + 1] - destinationStarts[source]) }
}
