import EnergyLedger
import HardwareProfiles
import HDF5Kit

/// Writes `/energy/<profile>`: per-layer energies by component in picojoules, totals, and the profile's
/// constants with their sources (docs/results-schema.md). The energy forms of the counting conventions priced
/// under the same profile are summarised beside it as `<convention>_picojoules`.
public enum EnergyGroupWriter {
    public static func write(_ reports: [(EnergyReport, HardwareProfile)], conventions: [ConventionEnergy] = [],
                             into file: HDF5Group) throws {
        guard !reports.isEmpty else { return }
        let energy = file.exists("energy") ? try file.openGroup("energy") : try file.createGroup("energy")
        let components = EnergyComponent.allCases
        for (report, profile) in reports {
            let group = try energy.createGroup(report.profile)
            try group.writeStringDataset("components", components.map(\.rawValue), shape: [components.count])
            try group.writeStringDataset("component_groups", components.map(\.group.rawValue), shape: [components.count])
            try group.writeStringDataset("layers", report.layers.map(\.name), shape: [report.layers.count])
            let table = report.layers.flatMap { layer in components.map { layer.picojoules[$0] ?? 0 } }
            let byLayer = try group.writeDataset("by_layer_picojoules", table, shape: [report.layers.count, components.count])
            try byLayer.setAttribute("units", string: "picojoules over the whole run; axis 0 layer (as /layers/names), axis 1 component")
            let totals = report.totals
            let totalSet = try group.writeDataset("totals_picojoules", components.map { totals[$0] ?? 0 }, shape: [components.count])
            try totalSet.setAttribute("units", string: "picojoules over the whole run, per component (static included)")
            try group.setAttribute("total_picojoules", report.totalPicojoules)
            try group.setAttribute("per_sample_picojoules", report.perSamplePicojoules)
            try group.setAttribute("static_picojoules", report.staticPicojoules)
            for convention in conventions where convention.profile == report.profile {
                try group.setAttribute("\(convention.convention.rawValue)_picojoules", convention.totalPicojoules)
            }
            try group.setAttribute("notes", strings: report.notes)
            try group.setAttribute("placement", strings: report.placement.keys.sorted().map { "\($0)=\(report.placement[$0]!)" })
            try group.setAttribute("weight_formats", strings: report.weightFormats.keys.sorted().map { "\($0)=\(report.weightFormats[$0]!)" })
            try group.setAttribute("profile_file", string: profile.file)
            try group.setAttribute("profile_kind", string: profile.kind.rawValue)
            try group.setAttribute("profile_description", string: profile.description)
            let keys = profile.energy.keys.sorted()
            try group.setAttribute("constant_names", strings: keys.map { "energy.\($0)" })
            try group.setAttribute("constant_picojoules", keys.map { profile.energy[$0]!.picojoules })
            try group.setAttribute("constant_scopes", strings: keys.map { profile.energy[$0]!.scope.rawValue })
            try group.setAttribute("constant_sources", strings: keys.map { profile.energy[$0]!.source })
            try group.setAttribute("profile_sources", strings: profile.sources)
        }
    }
}
