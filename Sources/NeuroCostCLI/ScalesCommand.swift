import ArgumentParser
import Foundation
import NeuroCost

/// `neurocost scales FILE…`: attaches HDF5 dimension scales to results files that lack them (files written before
/// `run`, `compare` and `price` wrote them, or assembled by `merge`), in the layout those commands write.
struct ScalesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scales",
        abstract: "Name the dimensions of results files that lack them (older files; merge uses it).",
        discussion: """
            run, compare and price write HDF5 dimension scales (sample, timestep, steps_simulated, layer, component, neuron), so \
            that xarray.open_dataset(FILE, group="counts", engine="h5netcdf") has named dimensions with coordinates \
            (docs/results-schema.md, "Dimension scales"). This command adds them, in place, to files that have none.
            """
    )

    @Argument(help: "Results files, changed in place.")
    var files: [String]

    func run() throws {
        for path in files {
            guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("\(path): no such file", status: .noInput) }
            let file = try HDF5File(path: path, mode: .readWrite)
            defer { file.close() }
            guard file.exists("layers/names") else { throw CommandFailure("\(path): not a NeuroCost results file (no /layers/names)") }
            let samples = try StoredRun.sampleIndices(in: file)
            try ResultsDimensionScales.attach(toRun: file, sampleIndices: samples)
            for name in ["ann", "baseline"] where file.exists(name) {
                try ResultsDimensionScales.attach(toRun: try file.openGroup(name), sampleIndices: samples)
            }
            if file.exists("by_data") {
                let byData = try file.openGroup("by_data")
                for index in try byData.memberNames() {
                    // Each data file's runs cover its own samples (compare --shard takes the same part of each).
                    let group = try byData.openGroup(index)
                    var own = samples
                    if group.hasAttribute("sample_offset"), group.hasAttribute("samples") {
                        let offset = try group.attribute("sample_offset", as: Int64.self).first ?? 0
                        own = (0..<(try group.attribute("samples", as: Int64.self).first ?? 0)).map { offset + $0 }
                    }
                    for name in ["snn", "ann", "baseline"] where group.exists(name) {
                        try ResultsDimensionScales.attach(toRun: try group.openGroup(name), sampleIndices: own)
                    }
                }
            }
        }
    }
}
