import HardwareProfiles

/// Chooses each layer's tiling: one with few cores whose every core meets the chip's limits (neurons, synaptic
/// memory, input and output axons), trying boxes of channels × rows × columns for a convolution's layer (as
/// NengoLoihi's `split_blocks` cuts a block too large for one core into pieces of a `BlockShape`) and runs of
/// neurons otherwise. Input and output axons shrink with the tile, so when one neuron per core still breaks a
/// limit no tiling meets it: that limit is reported and lifted, and the search meets the others.
struct TilingSearch {
    let limits: CoreLimits
    let memory: SynapseMemory

    struct Choice {
        let tiling: LayerTiling
        let needs: LayerFit.Needs
        /// What kept the layer from fewer cores ("neurons", "synaptic memory", "input axons per core", …), or
        /// "end of node" when the whole layer fits one core.
        let boundBy: String
        /// The limit no tiling can meet, when there is one.
        let unmeetable: (limit: String, value: Int, allowed: Int)?
        /// Whether the layer's convolutions that can use population axons do.
        var usesPopulationAxons = false
    }

    /// The better of the layer on population axons and on discrete axons, when the chip has population axons and
    /// one of the layer's convolutions can use them: a tiling that meets every limit first, then fewer cores, then
    /// population axons (NengoLoihi's choice for every convolution). A compiler may choose per connection (a very
    /// sparse kernel stores fewer synapses on discrete axons, whose lists skip zeros), so both are tried.
    func choose(_ layer: LayerFit) -> Choice {
        guard limits.populationAxons != nil, layer.canUsePopulationAxons else { return chooseOne(layer) }
        var population = layer
        population.usesPopulationAxons = true
        var onPopulation = chooseOne(population)
        onPopulation.usesPopulationAxons = true
        // Discrete axons cannot win when one neuron per core already breaks a limit that population axons meet.
        if onPopulation.unmeetable == nil {
            let smallest = layer.tiling(chunk: 1, tileHeight: 1, tileWidth: 1)
            if LayerFit.broken(layer.needs(smallest, memory: memory, limits: limits, full: true, withReaches: false), limits: limits,
                               full: true) != nil {
                return onPopulation
            }
        }
        let discrete = chooseOne(layer)
        let rank = { (choice: Choice) in (choice.unmeetable == nil ? 0 : 1, choice.tiling.coreCount) }
        return rank(discrete) < rank(onPopulation) ? discrete : onPopulation
    }

    private func chooseOne(_ layer: LayerFit) -> Choice {
        guard layer.channels * layer.height * layer.width > 0 else {
            let empty = LayerTiling(count: 0, run: 1)  // no neurons, no cores
            return Choice(tiling: empty, needs: layer.needs(empty, memory: memory, limits: limits, full: true), boundBy: "end of node",
                          unmeetable: nil)
        }
        let candidates = self.candidates(layer)
        let smallest = layer.tiling(chunk: 1, tileHeight: 1, tileWidth: 1)
        // One neuron per core: the most cores, so its counts alone (the routes only if it is chosen).
        let smallestNeeds = layer.needs(smallest, memory: memory, limits: limits, full: true, withReaches: false)
        // Limits one neuron per core still breaks cannot be met by any tiling: search under the other limits (the
        // fewest cores that meet them) and report the broken one. A crossbar's memory follows from its axons, so
        // relaxing one may uncover the next.
        var unmeetable: [(limit: String, value: Int, allowed: Int)] = []
        var relaxed = self
        while let broken = LayerFit.broken(smallestNeeds, limits: relaxed.limits, full: true), unmeetable.count < 4 {
            unmeetable.append(broken)
            relaxed = TilingSearch(limits: relaxed.limits.without(broken.limit), memory: memory)
        }
        let choice = relaxed.search(layer, candidates: candidates, smallest: smallest, smallestNeeds: smallestNeeds)
        return Choice(tiling: choice.tiling, needs: choice.needs, boundBy: unmeetable.first?.limit ?? choice.boundBy,
                      unmeetable: unmeetable.first)
    }

    /// Every tiling that fits the neuron slots, fewest cores first; among equals, squarer tiles (fewer inputs at their
    /// borders), then more channels.
    func candidates(_ layer: LayerFit) -> [LayerTiling] {
        let cap = limits.neuronsPerCore ?? Int.max
        var candidates: [LayerTiling] = []
        if layer.boxTiled {
            for c in LayerTiling.cuts(of: layer.channels) {
                for h in LayerTiling.cuts(of: layer.height) {
                    for w in LayerTiling.cuts(of: layer.width) where c * h * w <= cap {
                        candidates.append(layer.tiling(chunk: c, tileHeight: h, tileWidth: w))
                    }
                }
            }
        } else {
            for run in LayerTiling.cuts(of: layer.channels) where run <= cap {
                candidates.append(layer.tiling(chunk: run, tileHeight: 1, tileWidth: 1))
            }
        }
        candidates.sort {
            ($0.coreCount, abs($0.tileHeight - $0.tileWidth), -$0.chunk) < ($1.coreCount, abs($1.tileHeight - $1.tileWidth), -$1.chunk)
        }
        return candidates
    }

    private func search(_ layer: LayerFit, candidates: [LayerTiling], smallest: LayerTiling, smallestNeeds: LayerFit.Needs) -> Choice {
        // With the spatial tile fixed, every per-core need (neurons, input and output axons, synaptic memory) only
        // shrinks with the channel chunk, so the chunks that pass are all those up to some size: per spatial tile,
        // bisect for the largest passing chunk (its fewest cores). Spatial tiles whose fewest-cores candidate cannot
        // beat the best found are skipped. With channels that need alike, the result is the fewest-cores candidate
        // that meets every limit (ties: the candidates' order); chunk sizes are not nested, so with uneven channels a
        // passing chunk may be skipped (what is found still passes). About (spatial tiles tried) × log₂(chunk sizes)
        // evaluations, each counting without building the spikes' routes, with population weight sets found once
        // per spatial tile.
        var firstFailure: String?
        var evaluated: [Int: Bool] = [:]
        let weightSets = WeightSetCache()
        func passing(_ index: Int) -> Bool {
            if let known = evaluated[index] { return known }
            let candidate = candidates[index]
            var broken = LayerFit.broken(layer.needs(candidate, memory: memory, limits: limits, full: false, weightSets: weightSets),
                                         limits: limits, full: false)
            if broken == nil {
                let needs = candidate == smallest ? smallestNeeds
                    : layer.needs(candidate, memory: memory, limits: limits, full: true, withReaches: false, weightSets: weightSets)
                broken = LayerFit.broken(needs, limits: limits, full: true)
            }
            if index == 0 { firstFailure = broken?.limit }
            evaluated[index] = broken == nil
            return broken == nil
        }
        _ = passing(0)  // what rejects the fewest-cores candidate is the layer's bound
        let bySpatialTile = Dictionary(grouping: candidates.indices) { SpatialTile(height: candidates[$0].tileHeight, width: candidates[$0].tileWidth) }
        // Each group in candidate order is fewest cores (largest chunk) first.
        let groups = bySpatialTile.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        var best = candidates.count - 1  // one neuron per core: known to pass
        for group in groups where group[0] < best {
            // The smallest chunk first: when it fails, the whole spatial tile does.
            guard passing(group[group.count - 1]) else { continue }
            var failing = -1, found = group.count - 1
            while found - failing > 1 {
                let middle = (failing + found) / 2
                if passing(group[middle]) { found = middle } else { failing = middle }
            }
            best = min(best, group[found])
        }
        let needs = layer.needs(candidates[best], memory: memory, limits: limits, full: true, weightSets: weightSets)
        return Choice(tiling: candidates[best], needs: needs, boundBy: best == 0 ? bound(candidates[0]) : (firstFailure ?? "neurons"),
                      unmeetable: nil)
    }

    private struct SpatialTile: Hashable {
        let height: Int, width: Int
    }

    private func bound(_ tiling: LayerTiling) -> String {
        tiling.coreCount == 1 ? "end of node" : "neurons"
    }
}

extension CoreLimits {
    /// These limits with one per-core limit lifted (by its label in `LayerFit.broken`). Lifting a crossbar's input
    /// axons lifts its memory too: the crossbar's rows are its axons.
    func without(_ limit: String) -> CoreLimits {
        let memoryLifted = limit == "synaptic memory" || (limit == "input axons per core" && synapseEncoding == .crossbar)
        return CoreLimits(count: count, neuronsPerCore: limit == "neurons" ? nil : neuronsPerCore,
                   synapticMemoryBytesPerCore: memoryLifted ? nil : synapticMemoryBytesPerCore,
                   fanInPerNeuron: fanInPerNeuron, fanOutPerNeuron: fanOutPerNeuron, meshColumns: meshColumns, meshRows: meshRows,
                   coresPerChip: coresPerChip,
                   inputAxonsPerCore: limit == "input axons per core" ? nil : inputAxonsPerCore,
                   outputAxonsPerCore: limit == "output axons per core" ? nil : outputAxonsPerCore,
                   destinationCoresPerNeuron: destinationCoresPerNeuron, weightValuesPerNeuron: weightValuesPerNeuron,
                   coresPerTile: coresPerTile, chipMeshColumns: chipMeshColumns, synapseEncoding: synapseEncoding,
                   populationAxons: populationAxons)
    }
}
