import EnergyLedger
import HDF5Kit

/// Writes `/conventions/<name>`: each convention's quantities per sample and layer, their totals, and the energy of
/// the conventions that have an energy form, per profile (docs/results-schema.md).
public enum ConventionGroupWriter {
    /// - Parameters:
    ///   - energies: energy forms keyed by the profile's key in `/energy` (one per priced profile).
    public static func write(_ reports: [ConventionReport], energies: [(key: String, energy: ConventionEnergy)],
                             into parent: HDF5Group) throws {
        guard !reports.isEmpty else { return }
        let root = parent.exists("conventions") ? try parent.openGroup("conventions") : try parent.createGroup("conventions")
        for report in reports {
            let group = try root.createGroup(report.convention.rawValue)
            try group.setAttribute("source", string: report.convention.source)
            try group.setAttribute("documentation", string: "docs/energy-ledger.md#counting-conventions")
            if let reason = report.unavailable {
                try group.setAttribute("unavailable", string: reason)
                continue
            }
            let layers = report.layerNames.count
            for quantity in report.quantities {
                let dataset: HDF5Dataset
                if quantity.isInteger {
                    dataset = try group.writeDataset(quantity.name, quantity.perSample.map { Int64($0) }, shape: [report.sampleCount, layers])
                    try dataset.setAttribute("total", Int64(quantity.total))
                } else {
                    dataset = try group.writeDataset(quantity.name, quantity.perSample, shape: [report.sampleCount, layers])
                    try dataset.setAttribute("total", quantity.total)
                }
                try dataset.setAttribute("units", string: quantity.units)
                try dataset.setAttribute("normalization", string: "per sample, summed over timesteps; axis 0 sample, axis 1 layer (as /layers/names)")
            }
            let priced = energies.filter { $0.energy.convention == report.convention }
            guard !priced.isEmpty else { continue }
            let energyGroup = try group.createGroup("energy")
            for (key, energy) in priced {
                let dataset = try energyGroup.writeDataset(key, energy.perSamplePicojoules, shape: [report.sampleCount, layers])
                try dataset.setAttribute("units", string: "picojoules per sample and layer; axis 0 sample, axis 1 layer")
                try dataset.setAttribute("total_picojoules", energy.totalPicojoules)
                if !energy.constants.isEmpty {
                    try dataset.setAttribute("constant_names", strings: energy.constants.map(\.name))
                    try dataset.setAttribute("constant_picojoules", energy.constants.map(\.picojoules))
                }
            }
        }
    }
}
