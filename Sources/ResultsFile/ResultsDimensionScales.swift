import HDF5Kit

/// Names every axis of a results file's datasets with an HDF5 dimension scale, so that netCDF-4 readers
/// (`xarray.open_dataset(path, group="counts", engine="h5netcdf")`) see named dimensions with coordinates
/// instead of `phony_dim_N` (docs/results-schema.md, "Dimension scales").
///
/// Each group gets the scales its datasets use, as one-dimensional datasets named after the dimension:
/// `sample` (the data file's sample index), `timestep` (0…T−1: the step a count happened in),
/// `steps_simulated` (1…T, for predictions and accuracy "after k steps"), `layer` (layer names), `component`
/// (energy components) and `neuron` (the recorded neurons of a membrane trace). Readers that list a group's data
/// skip datasets that are dimension scales. Spike traces (events and bit-packed rasters) have no scales: their
/// axes are rows of a ragged table and bytes of packed bits, read with `sample_start` or `numpy.unpackbits`.
public enum ResultsDimensionScales {
    /// One named dimension of the layout.
    enum Dimension: String {
        case sample, timestep, layer, component, neuron
        case stepsSimulated = "steps_simulated"
    }

    /// Attaches scales to every dataset of a run's groups under `run` (the root of a run or priced file, or a
    /// compared run's group in a `compare` file): `layers`, `counts`, `counts/per_sample`,
    /// `counts/per_sample_step`, `results`, `energy/*`, `conventions/*` and `traces/v/*`.
    /// - Parameters:
    ///   - sampleIndices: the data file's index of each sample, in the order of the per-sample rows.
    public static func attach(toRun run: HDF5Group, sampleIndices: [Int64]) throws {
        guard run.exists("layers/names") else { return }
        let layerNames = try run.openDataset("layers/names").readStrings()
        let timesteps = try stepCount(of: run)
        var values: [Dimension: Values] = [.sample: .integers(sampleIndices), .layer: .strings(layerNames)]
        if let timesteps {
            values[.timestep] = .integers((0..<Int64(timesteps)).map { $0 })
            values[.stepsSimulated] = .integers((1...Int64(max(timesteps, 1))).map { $0 })
        }
        let scales = Scales(values: values)

        try scales.attach(in: run, group: "layers") { _, rank in rank == 1 ? [.layer] : nil }
        try scales.attach(in: run, group: "counts") { _, rank in rank == 2 ? [.timestep, .layer] : nil }
        try scales.attach(in: run, group: "counts/per_sample") { _, rank in rank == 2 ? [.sample, .layer] : nil }
        try scales.attach(in: run, group: "counts/per_sample_step") { _, rank in rank == 3 ? [.sample, .timestep, .layer] : nil }
        try scales.attach(in: run, group: "results") { name, _ in
            switch name {
            case "labels", "predictions", "sample_index": [.sample]
            case "predictions_by_timestep": [.sample, .stepsSimulated]
            case "accuracy_by_timestep": [.stepsSimulated]
            default: nil
            }
        }
        for key in try members(of: run, "energy") {
            let path = "energy/\(key)"
            guard run.exists("\(path)/components") else { continue }
            let components = try run.openDataset("\(path)/components").readStrings()
            try scales.adding(.component, .strings(components)).attach(in: run, group: path) { name, _ in
                switch name {
                case "components", "component_groups", "totals_picojoules": [.component]
                case "layers": [.layer]
                case "by_layer_picojoules": [.layer, .component]
                case "per_sample_by_component_picojoules": [.sample, .component]
                case "per_sample_total_picojoules": [.sample]
                default: nil
                }
            }
        }
        for name in try members(of: run, "conventions") {
            try scales.attach(in: run, group: "conventions/\(name)") { _, rank in rank == 2 ? [.sample, .layer] : nil }
            if run.exists("conventions/\(name)/energy") {
                try scales.attach(in: run, group: "conventions/\(name)/energy") { _, rank in rank == 2 ? [.sample, .layer] : nil }
            }
        }
        for node in try members(of: run, "traces/v") {
            let path = "traces/v/\(node)"
            guard run.exists("\(path)/neurons") else { continue }
            let neurons = try run.openDataset("\(path)/neurons").read(as: Int64.self)
            try scales.adding(.neuron, .integers(neurons)).attach(in: run, group: path) { name, _ in
                switch name {
                case "neurons": [.neuron]
                case "values": [.sample, .timestep, .neuron]
                default: nil
                }
            }
        }
    }

    /// T: the extent of the per-step counts' first axis, else the group's `timesteps` attribute.
    private static func stepCount(of run: HDF5Group) throws -> Int? {
        if run.exists("counts/spikes") { return try run.openDataset("counts/spikes").shape.first }
        if run.exists("results/predictions_by_timestep") { return try run.openDataset("results/predictions_by_timestep").shape.last }
        if run.hasAttribute("timesteps") { return Int(try run.attribute("timesteps", as: Int64.self).first ?? 0) }
        return nil
    }

    private static func members(of run: HDF5Group, _ path: String) throws -> [String] {
        guard run.exists(path), try run.kind(of: path) == .group else { return [] }
        return try run.openGroup(path).memberNames().filter { (try? run.kind(of: "\(path)/\($0)")) == .group }
    }

    /// A scale's coordinate values.
    enum Values {
        case integers([Int64])
        case strings([String])

        var count: Int {
            switch self {
            case .integers(let values): values.count
            case .strings(let values): values.count
            }
        }
    }

    /// The coordinate values of every dimension known for a run, and the attaching of them.
    struct Scales {
        let values: [Dimension: Values]

        func adding(_ dimension: Dimension, _ coordinate: Values) -> Scales {
            Scales(values: values.merging([dimension: coordinate]) { $1 })
        }

        /// Attaches scales to each dataset of `run/path` for which `dimensions(name, rank)` names the axes.
        /// - Throws: when an axis' extent differs from its dimension's length (a layout the writer did not mean).
        func attach(in run: HDF5Group, group path: String, dimensions: (String, Int) -> [Dimension]?) throws {
            guard run.exists(path), try run.kind(of: path) == .group else { return }
            let group = try run.openGroup(path)
            var created: [Dimension: HDF5Dataset] = [:]
            var attachments: [(dataset: HDF5Dataset, scales: [HDF5Dataset])] = []
            for name in try group.memberNames() where Dimension(rawValue: name) == nil {
                guard let dataset = try group.openDatasetIfDataset(name) else { continue }
                let shape = try dataset.shape
                guard let axes = dimensions(name, shape.count), axes.count == shape.count,
                      axes.allSatisfy({ values[$0] != nil }) else { continue }
                var scales: [HDF5Dataset] = []
                for (axis, dimension) in axes.enumerated() {
                    let coordinate = values[dimension]!
                    guard coordinate.count == shape[axis] else {
                        throw HDF5Error(file: dataset.filePath, objectPath: dataset.path,
                                        message: "axis \(axis) has \(shape[axis]) entries but the run has \(coordinate.count) of dimension '\(dimension.rawValue)'")
                    }
                    let scale = try created[dimension] ?? scaleDataset(dimension, coordinate, in: group)
                    created[dimension] = scale
                    scales.append(scale)
                }
                attachments.append((dataset, scales))
            }
            // The group's attachments in one go: each dataset's and each scale's list is written once.
            try HDF5Dataset.attachDimensionScales(attachments)
        }

        private func scaleDataset(_ dimension: Dimension, _ coordinate: Values, in group: HDF5Group) throws -> HDF5Dataset {
            let name = dimension.rawValue
            if group.exists(name) { return try group.openDataset(name) }
            let dataset: HDF5Dataset
            switch coordinate {
            case .integers(let values): dataset = try group.writeDataset(name, values, shape: [values.count])
            case .strings(let values): dataset = try group.writeStringDataset(name, values, shape: [values.count])
            }
            try dataset.makeDimensionScale(named: name)
            return dataset
        }
    }
}
