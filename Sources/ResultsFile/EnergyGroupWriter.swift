import EnergyLedger
import HardwareProfiles
import HDF5Kit

/// Writes `/energy/<profile>`: per-layer energies by component in picojoules, totals, and the profile's
/// constants with their sources (docs/results-schema.md). The energy forms of the counting conventions priced
/// under the same profile are summarised beside it as `<convention>_picojoules`.
public enum EnergyGroupWriter {
    public static func write(_ reports: [(EnergyReport, HardwareProfile)], conventions: [ConventionEnergy] = [],
                             into file: HDF5Group) throws {
        try write(EnergyEntry.byName(reports, conventions: conventions), into: file)
    }

    /// One group per entry, named by its key; an entry whose profile could not price the run keeps the profile's
    /// description and constants and says why in `unavailable`.
    public static func write(_ entries: [EnergyEntry], into file: HDF5Group) throws {
        guard !entries.isEmpty else { return }
        let energy = file.exists("energy") ? try file.openGroup("energy") : try file.createGroup("energy")
        let components = EnergyComponent.allCases
        for entry in entries {
            let profile = entry.profile
            let group = try energy.createGroup(entry.key)
            try describe(profile, in: group)
            guard let report = entry.report else {
                try group.setAttribute("unavailable", string: entry.unavailable ?? "not priced")
                continue
            }
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
            try group.setAttribute("per_sample_picojoules", report.perSamplePicojoulesAverage)
            let perSample = (0..<report.samples).flatMap { sample in components.map { report.perSamplePicojoules[$0]?[sample] ?? 0 } }
            let perSampleSet = try group.writeDataset("per_sample_by_component_picojoules", perSample, shape: [report.samples, components.count])
            try perSampleSet.setAttribute("units", string: "picojoules per sample; axis 0 sample, axis 1 component (router hops shared out by the sample's spikes)")
            try group.writeDataset("per_sample_total_picojoules", report.perSampleTotals, shape: [report.samples])
            if !report.constantsUsed.isEmpty {
                try group.setAttribute("constants_used_fields", strings: report.constantsUsed.map(\.field))
                try group.setAttribute("constants_used_picojoules", report.constantsUsed.map(\.picojoules))
                try group.setAttribute("constants_used_scopes", strings: report.constantsUsed.map(\.scope.rawValue))
                try group.setAttribute("constants_used_sources", strings: report.constantsUsed.map(\.source))
            }
            try group.setAttribute("static_picojoules", report.staticPicojoules)
            try group.setAttribute("step_fixed_picojoules", report.stepFixedPicojoules)
            // Per inference (docs/results-schema.md): energies always, times when the profile has a time model.
            try group.setAttribute("energy_per_inference_picojoules", report.energyPerInferencePicojoules)
            try group.setAttribute("dynamic_energy_per_inference_picojoules", report.dynamicEnergyPerInferencePicojoules)
            try group.setAttribute("static_energy_per_inference_picojoules", report.staticEnergyPerInferencePicojoules)
            if let timing = report.timing {
                try group.setAttribute("step_seconds", timing.stepSeconds)
                try group.setAttribute("step_basis", string: timing.basis)
                try group.setAttribute("latency_per_inference_seconds", timing.latencySeconds)
                try group.setAttribute("throughput_inferences_per_second", report.throughputInferencesPerSecond!)
                try group.setAttribute("average_power_watts", report.averagePowerWatts!)
                try group.setAttribute("energy_delay_product_joule_seconds", report.energyDelayProductJouleSeconds!)
            }
            if let powerBased = report.powerBasedPicojoulesPerInference {
                try group.setAttribute("power_based_energy_per_inference_picojoules", powerBased)
            }
            if let range = report.range {
                // Sources disagree on some constants: the estimate with each at its low and at its high source.
                try group.setAttribute("energy_per_inference_low_picojoules", range.lowPicojoulesPerInference)
                try group.setAttribute("energy_per_inference_high_picojoules", range.highPicojoulesPerInference)
                try group.setAttribute("dynamic_energy_per_inference_low_picojoules", range.lowDynamicPicojoulesPerInference)
                try group.setAttribute("dynamic_energy_per_inference_high_picojoules", range.highDynamicPicojoulesPerInference)
                try group.setAttribute("ranged_constants", strings: range.fields)
            }
            for convention in entry.conventions {
                try group.setAttribute("\(convention.convention.rawValue)_picojoules", convention.totalPicojoules)
            }
            try group.setAttribute("notes", strings: report.notes)
            try group.setAttribute("placement", strings: report.placement.keys.sorted().map { "\($0)=\(report.placement[$0]!)" })
            try group.setAttribute("weight_formats", strings: report.weightFormats.keys.sorted().map { "\($0)=\(report.weightFormats[$0]!)" })
        }
        try MappingGroupWriter.write(entries.compactMap { entry in entry.mapping.map { (entry.key, $0) } }, into: file)
    }

    /// The profile behind a group: where it came from, what it models, every constant with its source.
    private static func describe(_ profile: HardwareProfile, in group: HDF5Group) throws {
        try group.setAttribute("profile_name", string: profile.name)
        try group.setAttribute("profile_file", string: profile.origin)
        if let text = profile.sourceText { try group.setAttribute("profile_text", string: text) }
        try group.setAttribute("profile_kind", string: profile.kind.rawValue)
        try group.setAttribute("profile_description", string: profile.description)
        let keys = profile.energy.keys.sorted()
        try group.setAttribute("constant_names", strings: keys.map { "energy.\($0)" })
        try group.setAttribute("constant_picojoules", keys.map { profile.energy[$0]!.picojoules })
        try group.setAttribute("constant_scopes", strings: keys.map { profile.energy[$0]!.scope.rawValue })
        try group.setAttribute("constant_sources", strings: keys.map { profile.energy[$0]!.source })
        try group.setAttribute("profile_sources", strings: profile.sources)
        // Disputed constants: each bound with its source, one line per bound.
        var bounds: [String] = []
        for key in profile.energyKeys {
            guard let constant = profile.energy[key] else { continue }
            if let low = constant.low { bounds.append("energy.\(key) low \(low.value) pJ: \(low.source)") }
            if let high = constant.high { bounds.append("energy.\(key) high \(high.value) pJ: \(high.source)") }
        }
        if let power = profile.staticPowerWatts {
            if let low = power.low { bounds.append("static_power_w low \(low.value) W: \(low.source)") }
            if let high = power.high { bounds.append("static_power_w high \(high.value) W: \(high.source)") }
        }
        if !bounds.isEmpty { try group.setAttribute("constant_bounds", strings: bounds) }
    }
}
