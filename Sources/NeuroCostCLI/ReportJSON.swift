import Foundation
import NeuroCost

/// `--json` output of `run` and `compare`: the figures of the printed tables, per sample, for scripts.
enum ReportJSON {
    /// One run: its layers' counts, the conventions and the energy under each profile, all per sample.
    static func run(_ result: RunResult, conventions: [ConventionReport], energy: [EnergyEntry]) -> [String: Any] {
        let counts = result.counts
        let samples = Double(max(counts.sampleCount, 1))
        var layers: [[String: Any]] = []
        for (layer, name) in result.layerNames.enumerated() {
            var row: [String: Any] = ["name": name, "kind": result.layerKinds[layer]]
            for metric in CountMetric.allCases { row[metric.rawValue] = Double(counts.total(metric, layer: layer)) / samples }
            layers.append(row)
        }
        var object: [String: Any] = ["samples": counts.sampleCount, "timesteps": counts.timesteps, "layers_per_sample": layers,
                                     "conventions_per_sample": self.conventions(conventions),
                                     "energy_per_sample_picojoules": self.energy(energy, samples: samples)]
        if let accuracy = result.accuracyByTimestep { object["accuracy_by_timestep"] = accuracy }
        return object
    }

    static func conventions(_ reports: [ConventionReport]) -> [String: Any] {
        var result: [String: Any] = [:]
        for report in reports {
            if let reason = report.unavailable {
                result[report.convention.rawValue] = ["unavailable": reason]
                continue
            }
            let samples = Double(max(report.sampleCount, 1))
            result[report.convention.rawValue] = Dictionary(uniqueKeysWithValues: report.quantities.map { ($0.name, $0.total / samples) })
        }
        return result
    }

    static func energy(_ entries: [EnergyEntry], samples: Double) -> [String: Any] {
        var result: [String: Any] = [:]
        for entry in entries {
            guard let report = entry.report else {
                result[entry.key] = ["unavailable": entry.unavailable ?? ""]
                continue
            }
            var object: [String: Any] = ["total": report.totalPicojoules / samples]
            for group in EnergyGroup.allCases { object[group.rawValue] = report.total(group) / samples }
            let totals = report.totals
            object["components"] = Dictionary(uniqueKeysWithValues: EnergyComponent.allCases.map { ($0.rawValue, totals[$0]! / samples) })
            for form in entry.conventions { object[form.convention.rawValue] = form.totalPicojoules / samples }
            object["energy_per_inference_picojoules"] = report.energyPerInferencePicojoules
            object["dynamic_energy_per_inference_picojoules"] = report.dynamicEnergyPerInferencePicojoules
            object["static_energy_per_inference_picojoules"] = report.staticEnergyPerInferencePicojoules
            if let timing = report.timing {
                object["latency_per_inference_seconds"] = timing.latencySeconds
                object["throughput_inferences_per_second"] = report.throughputInferencesPerSecond!
                object["average_power_watts"] = report.averagePowerWatts!
                object["energy_delay_product_joule_seconds"] = report.energyDelayProductJouleSeconds!
            }
            if let powerBased = report.powerBasedPicojoulesPerInference { object["power_based_energy_per_inference_picojoules"] = powerBased }
            if let range = report.range {
                object["energy_per_inference_low_picojoules"] = range.lowPicojoulesPerInference
                object["energy_per_inference_high_picojoules"] = range.highPicojoulesPerInference
                object["dynamic_energy_per_inference_low_picojoules"] = range.lowDynamicPicojoulesPerInference
                object["dynamic_energy_per_inference_high_picojoules"] = range.highDynamicPicojoulesPerInference
                object["ranged_constants"] = range.fields
            }
            result[entry.key] = object
        }
        return result
    }

    /// Pretty, key-sorted JSON text.
    static func text(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
