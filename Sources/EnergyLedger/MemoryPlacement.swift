import HardwareProfiles

/// How weights reach the arithmetic (docs/energy-ledger.md, "Memory traffic").
public enum MemoryModel: String, Sendable, CaseIterable {
    /// Data placed together in the hierarchy; each layer's weights streamed once per inference from the level that
    /// holds the network's weights into a tile buffer, and read from the tile at each use.
    case reuse
    /// Every synop or MAC reads its weight from the level that holds all weights, each kind of data placed as if
    /// alone: an upper bound (NeuroCost's model before 0.2).
    case noReuse = "no-reuse"
}

/// Where data live in a profile's memory hierarchy under the reuse model.
struct MemoryPlacement {
    let state: MemoryLevel
    let spikes: MemoryLevel
    /// The level that holds every layer's stored weights (and indices).
    let weightsHome: MemoryLevel
    /// Per layer index (weighted layers): the innermost level that holds one tile, where each use reads.
    let tiles: [Int: MemoryLevel]

    /// Joint placement, first fit from the smallest level: state and spike buffers first (both are touched at every
    /// step), the one with more bits accessed per byte stored first; then the weights, in what is left (under reuse
    /// they are read there only once per inference); then each layer's tile (one output unit's incoming weights) at
    /// the smallest level, at or inside the weights', that holds it in what is left (one layer's tile at a time:
    /// layers run one after another).
    static func joint(stateBytes: Int, spikeBytes: Int, weightBytes: Int, tileBytes: [Int: Int],
                      stateBitsAccessed: Double, spikeBitsAccessed: Double,
                      profile: HardwareProfile) throws(LedgerError) -> MemoryPlacement {
        let levels = profile.memoryLevels + (profile.dram.map { [$0] } ?? [])
        var remaining = levels.map { $0.capacityBytes }  // nil: unbounded
        func firstFit(_ bytes: Int, within last: Int? = nil) -> Int? {
            let end = min(last ?? levels.count - 1, levels.count - 1)
            guard end >= 0 else { return nil }
            return (0...end).first { remaining[$0].map { $0 >= bytes } ?? true }
        }
        func take(_ bytes: Int, at index: Int) { remaining[index] = remaining[index].map { $0 - bytes } }
        func missing(_ what: String, _ bytes: Int) -> LedgerError {
            LedgerError(profile: profile.name, field: "memory", message: "no memory level holds the \(what) (\(bytes) bytes) and the profile has no DRAM")
        }

        // Data the run never touches (the state and spikes of an ANN view) take no capacity.
        let stateBytes = stateBitsAccessed > 0 ? stateBytes : 0
        let spikeBytes = spikeBitsAccessed > 0 ? spikeBytes : 0
        let stateDensity = stateBytes == 0 ? 0 : stateBitsAccessed / Double(stateBytes)
        let spikeDensity = spikeBytes == 0 ? 0 : spikeBitsAccessed / Double(spikeBytes)
        var stateIndex = 0, spikeIndex = 0
        for item in stateDensity >= spikeDensity ? ["state", "spike buffers"] : ["spike buffers", "state"] {
            let bytes = item == "state" ? stateBytes : spikeBytes
            guard let index = firstFit(bytes) else { throw missing(item, bytes) }
            take(bytes, at: index)
            if item == "state" { stateIndex = index } else { spikeIndex = index }
        }
        guard let home = firstFit(weightBytes) else { throw missing("weights", weightBytes) }
        take(weightBytes, at: home)
        var tiles: [Int: MemoryLevel] = [:]
        for (layer, bytes) in tileBytes {
            tiles[layer] = levels[firstFit(bytes, within: home) ?? home]
        }
        return MemoryPlacement(state: levels[stateIndex], spikes: levels[spikeIndex], weightsHome: levels[home], tiles: tiles)
    }
}
