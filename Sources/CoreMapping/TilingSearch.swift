import HardwareProfiles

/// Chooses each layer's tiling: the one with the fewest cores whose every core meets the chip's limits (neurons,
/// synaptic memory, input and output axons), trying boxes of channels × rows × columns for a convolution's layer
/// (as NengoLoihi's block splitting and NxTF's partitioner cut a layer into channel and spatial blocks) and runs of
/// neurons otherwise. Input and output axons shrink with the tile, so when one neuron per core still breaks a
/// limit no tiling meets it: the layer keeps its fewest-cores tiling and the limit is reported.
struct TilingSearch {
    let limits: CoreLimits
    let memory: SynapseMemory
    /// Tilings fully evaluated (axons counted) per layer before the search gives up and reports the limit.
    static let evaluationBudget = 400

    struct Choice {
        let tiling: LayerTiling
        let needs: LayerFit.Needs
        /// What kept the layer from fewer cores ("neurons", "synaptic memory", "input axons per core", …), or
        /// "end of node" when the whole layer fits one core.
        let boundBy: String
        /// The limit no tiling can meet, when there is one.
        let unmeetable: (limit: String, value: Int, allowed: Int)?
    }

    func choose(_ layer: LayerFit) -> Choice {
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
        // Fewest cores first; among equals, squarer tiles (fewer inputs at their borders), then more channels.
        candidates.sort {
            ($0.coreCount, abs($0.tileHeight - $0.tileWidth), -$0.chunk) < ($1.coreCount, abs($1.tileHeight - $1.tileWidth), -$1.chunk)
        }
        let fewest = candidates[0]
        let smallest = layer.tiling(chunk: 1, tileHeight: 1, tileWidth: 1)
        let smallestNeeds = layer.needs(smallest, memory: memory, limits: limits, full: true)
        if let broken = LayerFit.broken(smallestNeeds, limits: limits, full: true) {
            let needs = fewest == smallest ? smallestNeeds : layer.needs(fewest, memory: memory, limits: limits, full: true)
            return Choice(tiling: fewest, needs: needs, boundBy: broken.limit, unmeetable: broken)
        }
        var firstFailure: String?
        var evaluations = 0
        for candidate in candidates {
            if candidate == smallest { return Choice(tiling: smallest, needs: smallestNeeds, boundBy: firstFailure ?? bound(smallest), unmeetable: nil) }
            let cheap = layer.needs(candidate, memory: memory, limits: limits, full: false)
            if let broken = LayerFit.broken(cheap, limits: limits, full: false) {
                firstFailure = firstFailure ?? broken.limit
                continue
            }
            evaluations += 1
            let needs = layer.needs(candidate, memory: memory, limits: limits, full: true)
            if let broken = LayerFit.broken(needs, limits: limits, full: true) {
                firstFailure = firstFailure ?? broken.limit
                if evaluations >= Self.evaluationBudget { break }
                continue
            }
            return Choice(tiling: candidate, needs: needs, boundBy: firstFailure ?? bound(candidate), unmeetable: nil)
        }
        // The budget ran out: one neuron per core meets every limit, so take it rather than break one.
        return Choice(tiling: smallest, needs: smallestNeeds, boundBy: firstFailure ?? "neurons", unmeetable: nil)
    }

    private func bound(_ tiling: LayerTiling) -> String {
        tiling.coreCount == 1 ? "end of node" : "neurons"
    }
}
