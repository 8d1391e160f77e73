import HardwareProfiles

/// A convolution whose source spikes travel on population axons (`cores.population_axons`): a source neuron is a
/// (channel, position) pair, every channel of a position reaches the same output positions through the same kernel
/// taps, so one input axon per (source position, core) carries them all, the channel riding along as the atom that
/// picks its row of the weight set (NengoLoihi's `build_conv2d_connection`, `conv2d_loihi_weights`).
struct PopulationGeometry: Sendable {
    /// Source channels: the atoms of each axon, the rows of each weight set.
    let atoms: Int
    /// Source positions (neurons per channel); source neuron `c · positions + p`.
    let positions: Int
    /// Per source position, where its spike lands in the convolution's output: (row, column, kernel tap) triples,
    /// compressed (`landingStarts[p]..<landingStarts[p + 1]`).
    let landingStarts: [Int32]
    let landingRows: [Int32]
    let landingColumns: [Int32]
    let landingTaps: [Int32]
    /// Per output channel: the taps non-zero for some input channel.
    let outputChannelTaps: [UInt64]
    /// `tapMask[co · atoms + ci]`: the convolution's non-zero taps per (output channel, input channel).
    let tapMask: [UInt64]

    /// Nil unless the connection is an ungrouped convolution whose source is (channels, positions…) with one channel
    /// per input channel, and routing (Flatten, pools) keeps each channel's spikes in its own channel the same way for
    /// every channel: only then can one axon per position carry all channels.
    init?(_ connection: Connection, sourceShape: [Int]) {
        guard case .convolution(let g) = connection.synapses, g.inputChannelsPerGroup == g.inputChannels,
              sourceShape.count >= 2, sourceShape[0] == g.inputChannels else { return nil }
        let map = connection.map
        let atoms = g.inputChannels
        let positions = map.sourceCount / atoms
        guard positions * atoms == map.sourceCount, positions > 0 else { return nil }
        // Channel 0's routed input elements per position; every other channel must reach the same elements of its own
        // channel plane.
        var channelZero: [[Int]] = Array(repeating: [], count: positions)
        for p in 0..<positions {
            map.forEachTarget(of: p) { channelZero[p].append($0) }
            if channelZero[p].contains(where: { $0 >= g.inputPlane }) { return nil }
        }
        for c in 1..<max(atoms, 1) {
            for p in 0..<positions {
                var index = 0
                var same = true
                map.forEachTarget(of: c * positions + p) { element in
                    if index >= channelZero[p].count || element != channelZero[p][index] + c * g.inputPlane { same = false }
                    index += 1
                }
                guard same, index == channelZero[p].count else { return nil }
            }
        }
        // Taps stored: those non-zero for some channel pair (a tap zero everywhere needs no synapse).
        let taps = g.tapMask.reduce(UInt64(0), |)
        var starts: [Int32] = [0], rows: [Int32] = [], columns: [Int32] = [], tapList: [Int32] = []
        for p in 0..<positions {
            for element in channelZero[p] {
                let iy = element / g.inputWidth, ix = element % g.inputWidth
                var bits = taps
                while bits != 0 {
                    let tap = bits.trailingZeroBitCount
                    bits &= bits - 1
                    let oy = g.landingRow[iy * g.kernelHeight + tap / g.kernelWidth]
                    let ox = g.landingColumn[ix * g.kernelWidth + tap % g.kernelWidth]
                    guard oy >= 0, ox >= 0 else { continue }
                    rows.append(oy); columns.append(ox); tapList.append(Int32(tap))
                }
            }
            starts.append(Int32(rows.count))
        }
        var channelTaps = [UInt64](repeating: 0, count: g.outputChannels)
        for co in 0..<g.outputChannels {
            for ci in 0..<g.inputChannelsPerGroup { channelTaps[co] |= g.tapMask[co * g.inputChannelsPerGroup + ci] }
        }
        outputChannelTaps = channelTaps
        tapMask = g.tapMask
        self.atoms = atoms
        self.positions = positions
        (landingStarts, landingRows, landingColumns, landingTaps) = (starts, rows, columns, tapList)
    }

    /// One weight set a core stores: the targets of an axon relative to its compartment base, with the tap that
    /// weights each (so equal keys mean equal weights and indices), and which block of `compartmentBaseSpan`
    /// compartments its base falls in.
    private struct WeightSetKey: Hashable {
        let tile: Int
        let baseBlock: Int
        let pattern: [Int32]
    }

    /// A distinct weight set of one spatial tile, as much of it as its size needs: the tile, the output positions it
    /// reaches, and its last target and base within the tile (row-major). It depends on the spatial tile only, not on
    /// the channel chunk, so the tiling search finds the sets once per spatial tile and prices them per chunk.
    struct WeightSet: Sendable {
        let tile: Int32
        let distinctTargets: Int32
        let top: Int32
        let heldBase: Int32
    }

    /// The distinct weight sets per spatial tile of `tiling` (its channel chunk is not read).
    func weightSets(tiling: LayerTiling, compartmentBaseSpan: Int?) -> [WeightSet] {
        var sets: [WeightSet] = []
        var seen = Set<WeightSetKey>()
        var group: [(tile: Int, local: Int32, tap: Int32)] = []
        var pattern: [Int32] = []
        let columns = tiling.tileColumns
        for p in 0..<positions {
            group.removeAll(keepingCapacity: true)
            for k in Int(landingStarts[p])..<Int(landingStarts[p + 1]) {
                let oy = Int(landingRows[k]), ox = Int(landingColumns[k])
                let tileRow = oy / tiling.tileHeight, tileColumn = ox / tiling.tileWidth
                let width = min(tiling.tileWidth, tiling.width - tileColumn * tiling.tileWidth)
                let local = (oy - tileRow * tiling.tileHeight) * width + (ox - tileColumn * tiling.tileWidth)
                group.append((tileRow * columns + tileColumn, Int32(local), landingTaps[k]))
            }
            group.sort { ($0.tile, $0.local, $0.tap) < ($1.tile, $1.local, $1.tap) }
            var first = 0
            while first < group.count {
                var end = first
                while end < group.count, group[end].tile == group[first].tile { end += 1 }
                let tile = group[first].tile
                let base = Int(group[first].local), top = Int(group[end - 1].local)
                pattern.removeAll(keepingCapacity: true)
                var distinct = 0
                for k in first..<end {
                    if k == first || group[k].local != group[k - 1].local { distinct += 1 }
                    pattern.append(group[k].local - Int32(base))
                    pattern.append(group[k].tap)
                }
                let baseBlock = compartmentBaseSpan.map { base / $0 } ?? 0
                if seen.insert(WeightSetKey(tile: tile, baseBlock: baseBlock, pattern: pattern)).inserted {
                    // The base field holds base mod span; indices run from there to the last target.
                    let heldBase = compartmentBaseSpan.map { base % $0 } ?? base
                    sets.append(WeightSet(tile: Int32(tile), distinctTargets: Int32(distinct), top: Int32(top), heldBase: Int32(heldBase)))
                }
                first = end
            }
        }
        return sets
    }

    /// Synaptic memory per local core of `tiling` for this connection's weight sets: on each core, one set per
    /// distinct key among the axons reaching it, of atoms × (output positions reached × the core's channels)
    /// synapses in the sparse format (NengoLoihi's population weights use compression 0), with target indices
    /// relative to the axon's compartment base. Compartments on a core are ordered channel, row, column.
    func memoryBits(tiling: LayerTiling, memory: SynapseMemory, compartmentBaseSpan: Int?) -> [Int] {
        memoryBits(weightSets(tiling: tiling, compartmentBaseSpan: compartmentBaseSpan), tiling: tiling, memory: memory)
    }

    /// As above, from the spatial tile's weight sets (`weightSets(tiling:compartmentBaseSpan:)` of the same tile).
    func memoryBits(_ sets: [WeightSet], tiling: LayerTiling, memory: SynapseMemory) -> [Int] {
        var bits = [Int](repeating: 0, count: tiling.coreCount)
        let columns = tiling.tileColumns
        for set in sets {
            let tile = Int(set.tile)
            let tileRow = tile / columns, tileColumn = tile % columns
            let height = min(tiling.tileHeight, tiling.height - tileRow * tiling.tileHeight)
            let width = min(tiling.tileWidth, tiling.width - tileColumn * tiling.tileWidth)
            for chunk in 0..<tiling.chunks {
                let channels = min(tiling.chunk, tiling.channels - chunk * tiling.chunk)
                let maxIndex = (channels - 1) * height * width + Int(set.top) - Int(set.heldBase)
                bits[chunk * tiling.spatialTiles + tile] += memory.populationListBits(count: atoms * Int(set.distinctTargets) * channels,
                                                                                      maxIndex: maxIndex)
            }
        }
        return bits
    }

    /// Input axons per local core of `tiling`, without walking channels: a position's spike reaches chunk k's tile t
    /// when one of its landings in t has a tap non-zero for some output channel of the chunk (every channel of a
    /// position lands alike): the distinct (source position, core) pairs among the tiling's `AxonReach` destinations.
    func inputAxons(tiling: LayerTiling) -> [Int] {
        var axons = [Int](repeating: 0, count: tiling.coreCount)
        var chunkTaps = [UInt64](repeating: 0, count: tiling.chunks)
        for co in outputChannelTaps.indices { chunkTaps[co / tiling.chunk] |= outputChannelTaps[co] }
        var perTaps: [UInt64: [Int]] = [:]
        for (chunk, taps) in chunkTaps.enumerated() where taps != 0 {
            let perTile = positionsPerTile(reachedThrough: taps, tiling: tiling, known: &perTaps)
            for tile in 0..<tiling.spatialTiles { axons[chunk * tiling.spatialTiles + tile] = perTile[tile] }
        }
        return axons
    }

    /// Input axons per local core of `tiling` when every source neuron has its own axon (discrete axons): source
    /// (c, p) reaches chunk k's tile t when a landing of p in t has a tap non-zero for channel c and some output
    /// channel of the chunk: the distinct (source neuron, core) pairs among the tiling's `AxonReach` destinations,
    /// summed per channel instead of walked per neuron.
    func discreteInputAxons(tiling: LayerTiling) -> [Int] {
        var axons = [Int](repeating: 0, count: tiling.coreCount)
        var perTaps: [UInt64: [Int]] = [:]
        var channelTaps = [UInt64](repeating: 0, count: atoms)
        for chunk in 0..<tiling.chunks {
            for c in 0..<atoms { channelTaps[c] = 0 }
            for co in (chunk * tiling.chunk)..<min((chunk + 1) * tiling.chunk, outputChannelTaps.count) {
                for c in 0..<atoms { channelTaps[c] |= tapMask[co * atoms + c] }
            }
            for taps in channelTaps where taps != 0 {
                let perTile = positionsPerTile(reachedThrough: taps, tiling: tiling, known: &perTaps)
                for tile in 0..<tiling.spatialTiles { axons[chunk * tiling.spatialTiles + tile] += perTile[tile] }
            }
        }
        return axons
    }

    /// Per spatial tile of `tiling`: the source positions with a landing in it through one of `taps` (remembered in
    /// `known`, per tap set: chunks and channels with equal taps reach the same tiles).
    private func positionsPerTile(reachedThrough taps: UInt64, tiling: LayerTiling, known: inout [UInt64: [Int]]) -> [Int] {
        if let perTile = known[taps] { return perTile }
        var perTile = [Int](repeating: 0, count: tiling.spatialTiles)
        var stamp = [Int32](repeating: -1, count: tiling.spatialTiles)
        let columns = tiling.tileColumns
        for p in 0..<positions {
            let mark = Int32(truncatingIfNeeded: p)
            for k in Int(landingStarts[p])..<Int(landingStarts[p + 1]) where taps & (1 << UInt64(landingTaps[k])) != 0 {
                let tile = Int(landingRows[k]) / tiling.tileHeight * columns + Int(landingColumns[k]) / tiling.tileWidth
                if stamp[tile] != mark { stamp[tile] = mark; perTile[tile] += 1 }
            }
        }
        known[taps] = perTile
        return perTile
    }

    /// Adds the output-axon slots of population axons to the source layer's cores: `slots` per distinct (source
    /// position, source core, destination core) triple (`sourceCore(neuron)`: the neuron's core in `outputAxons`).
    func addOutputAxons(_ reach: AxonReach, slots: Int, sourceCore: (Int) -> Int, into outputAxons: inout [Int]) {
        var stamp = [Int](repeating: -1, count: reach.inputAxons.count)
        for p in 0..<positions {
            for c in 0..<atoms {
                let neuron = c * positions + p
                let core = sourceCore(neuron)
                // Channels of a position on one core are consecutive here (channel chunks are contiguous), so the
                // (core, position) key changes only between runs.
                let mark = core * positions + p
                reach.forEachDestination(of: neuron) { destination in
                    if stamp[destination] != mark { stamp[destination] = mark; outputAxons[core] += slots }
                }
            }
        }
    }
}

/// A consumer layer that a source layer reaches over population axons: its axons' reach and geometry.
struct PopulationFeed {
    let reach: AxonReach
    let geometry: PopulationGeometry
    let slots: Int
    /// Per source position: its destination-core count when every channel of it reaches the same cores (a dense
    /// kernel), else −1. The source layer's tiling search then counts output axons per neuron, not per destination.
    let uniformDestinations: [Int32]

    init(reach: AxonReach, geometry: PopulationGeometry, slots: Int) {
        (self.reach, self.geometry, self.slots) = (reach, geometry, slots)
        var uniform = [Int32](repeating: -1, count: geometry.positions)
        for p in 0..<geometry.positions {
            let first = Int(reach.destinationStarts[p]), count = reach.destinationCount(of: p)
            var same = true
            for c in 1..<max(geometry.atoms, 1) where same {
                let neuron = c * geometry.positions + p
                let start = Int(reach.destinationStarts[neuron])
                same = reach.destinationCount(of: neuron) == count
                    && (0..<count).allSatisfy { reach.destinations[start + $0] == reach.destinations[first + $0] }
            }
            if same { uniform[p] = Int32(count) }
        }
        uniformDestinations = uniform
    }

    /// Adds this feed's output-axon slots to the source layer's cores (`sourceCore(neuron)`); as
    /// `PopulationGeometry.addOutputAxons`, per position in O(channels) when its channels share their destinations.
    func addOutputAxons(sourceCore: (Int) -> Int, into outputAxons: inout [Int]) {
        let positions = geometry.positions
        guard uniformDestinations.contains(-1) else {
            for p in 0..<positions {
                var last = -1
                for c in 0..<geometry.atoms {
                    let core = sourceCore(c * positions + p)
                    if core != last { last = core; outputAxons[core] += slots * Int(uniformDestinations[p]) }
                }
            }
            return
        }
        geometry.addOutputAxons(reach, slots: slots, sourceCore: sourceCore, into: &outputAxons)
    }
}
