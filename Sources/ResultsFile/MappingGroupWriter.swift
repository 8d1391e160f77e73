import CoreMapping
import HDF5Kit

/// Writes `/mapping/<profile>`: where a network's spiking neurons went on a neuromorphic profile's cores, what each
/// core needs against the chip's limits, and whether the network runs on the chip as it stands (docs/results-schema.md).
public enum MappingGroupWriter {
    public static func write(_ mappings: [(key: String, report: MappingReport)], into file: HDF5Group) throws {
        guard !mappings.isEmpty else { return }
        let root = file.exists("mapping") ? try file.openGroup("mapping") : try file.createGroup("mapping")
        for (key, report) in mappings {
            let group = try root.createGroup(key)
            try group.setAttribute("cores", Int64(report.coresUsed))
            try group.setAttribute("chips", Int64(report.chipsNeeded))
            try group.setAttribute("cores_per_chip", Int64(report.coresPerChip))
            try group.setAttribute("mappable", Int64(report.mappable ? 1 : 0))
            try group.setAttribute("unmappable_reason", string: report.unmappableReason)
            try group.setAttribute("notes", strings: report.notes)
            try group.setAttribute("cores_per_tile", Int64(report.topology?.coresPerTile ?? 1))
            if let crossings = report.chipCrossingsPerNode {
                // Counted, not priced: no published energy per inter-chip message.
                try group.setAttribute("chip_crossings", Int64(crossings.values.reduce(0, +)))
            }
            if !report.populationAxonLayers.isEmpty {
                // Layers whose convolution inputs arrive on population axons (docs/mapping.md).
                try group.setAttribute("population_axon_layers", strings: report.populationAxonLayers)
            }
            if let estimate = report.trainedCoreEstimate {
                try group.setAttribute("trained_core_estimate", Int64(estimate))
            }
            let count = report.cores.count
            try group.writeStringDataset("core_layer", report.cores.map(\.node), shape: [count])
            try group.writeDataset("core_neurons", report.cores.map { Int64($0.neurons) }, shape: [count])
            try group.writeDataset("core_input_axons", report.cores.map { Int64($0.inputAxons) }, shape: [count])
            try group.writeDataset("core_output_axons", report.cores.map { Int64($0.outputAxons) }, shape: [count])
            try group.writeDataset("core_synaptic_memory_bytes", report.cores.map { Int64($0.synapticBytes) }, shape: [count])
            let layers = try group.createGroup("layers")
            for (layer, cores) in report.coresPerLayer.sorted(by: { $0.key < $1.key }) {
                let dataset = try layers.writeDataset(layer, cores.map { Int64($0) }, shape: [cores.count])
                try dataset.setAttribute("units", string: "indices of the cores the layer occupies (rows of the core_* datasets)")
                if let tiling = report.placements[layer]?.tiling {
                    // Channels × rows × columns per core (a layer not fed by a convolution: runs of neurons, 1 × 1).
                    try dataset.setAttribute("tile", [Int64(tiling.chunk), Int64(tiling.tileHeight), Int64(tiling.tileWidth)])
                }
            }
        }
    }
}
