import NeuroCost

/// What the commands print about pricing (the pricing itself is `RunPricer` and `ConventionCounter`).
enum Pricing {
    /// The run counted under every convention.
    static func conventions(_ run: RunResult, plan: SimulationPlan) throws -> [ConventionReport] {
        let layout = try ConventionLayout(plan: plan, layerNames: run.layerNames)
        return ConventionCounter.count(LayerCountTable(run: run), layout: layout)
    }

    /// The conventions' energy forms under each profile; a profile that lacks a constant a form needs is left out
    /// of that form, with the reason.
    static func conventionEnergies(_ reports: [ConventionReport], profiles: [HardwareProfile]) -> (energies: [ConventionEnergy], failures: [String]) {
        var energies: [ConventionEnergy] = [], failures: [String] = []
        for profile in profiles {
            for report in reports {
                do {
                    if let energy = try ConventionCounter.energy(report, profile: profile) { energies.append(energy) }
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        return (energies, failures)
    }

    /// One `/energy` entry per profile, in the order given: the report with its conventions' energy forms, or why
    /// the profile could not price the run; and notes for what could not be priced.
    static func entries(_ priced: [ProfilePricing], conventions: [ConventionReport], unavailable: [String: String],
                        order: [(key: String, profile: HardwareProfile)]) -> ([EnergyEntry], [String]) {
        var entries: [EnergyEntry] = [], notes: [String] = []
        for (key, profile) in order {
            if let reason = unavailable[key] {
                entries.append(EnergyEntry(key: key, profile: profile, unavailable: reason))
                continue
            }
            guard let pricing = priced.first(where: { $0.key == key }) else { continue }
            switch pricing.outcome {
            case .success(let report):
                let (forms, failures) = conventionEnergies(conventions, profiles: [profile])
                entries.append(EnergyEntry(key: key, profile: profile, report: report, conventions: forms, mapping: pricing.mapping))
                notes += failures
            case .failure(let failure):
                entries.append(EnergyEntry(key: key, profile: profile, unavailable: failure.description))
                notes.append("profile '\(key)' could not price the run: \(failure)")
            }
        }
        return (entries, notes)
    }

    /// One line per mapping: cores, chips, what bound the cores, violations.
    static func describe(_ mapping: MappingReport) -> [String] {
        let limits = mapping.bindingLimits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        var lines = ["\(mapping.profile) mapping: \(mapping.coresUsed) cores (\(mapping.coresPerChip) per chip), "
            + (!mapping.mappable ? "not mappable as it stands (\(mapping.chipsNeeded) chips by size)"
               : mapping.fitsOneChip ? "fits one chip" : "needs \(mapping.chipsNeeded) chips") + "; cores ended by \(limits)"]
        for reason in mapping.unmappableReasons { lines.append("  not mappable: \(reason)") }
        for violation in mapping.violations {
            let place = violation.neuron >= 0 ? " neuron \(violation.neuron)" : ""
            let detail = violation.detail.isEmpty ? "" : " (\(violation.detail))"
            lines.append("  \(violation.limit) exceeded: node '\(violation.node)'\(place) has \(violation.value), the chip allows \(violation.allowed)\(detail)")
        }
        for note in mapping.notes { lines.append("  note: \(note)") }
        return lines
    }
}
