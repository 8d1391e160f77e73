import NeuroCost

/// Prices a run under a profile; on a neuromorphic profile it first maps the network onto the cores, so that
/// router hops are priced from the mapping.
enum Pricing {
    static func price(_ run: RunResult, plan: SimulationPlan, profile: HardwareProfile,
                      weightFormat: WeightStorageFormat?) throws -> (EnergyReport, MappingReport?) {
        var mapping: MappingReport?
        if profile.kind == .neuromorphic, profile.cores != nil {
            mapping = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: run.spikesPerNeuron.isEmpty ? nil : run.spikesPerNeuron)
        }
        let options = LedgerOptions(weightFormat: weightFormat, routerHops: mapping?.hopsPerNode)
        return (try EnergyLedger.price(run, network: plan.network, profile: profile, options: options), mapping)
    }

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

    /// One line per mapping: cores, chips, what bound the cores, violations.
    static func describe(_ mapping: MappingReport) -> [String] {
        let limits = mapping.bindingLimits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        var lines = ["\(mapping.profile) mapping: \(mapping.coresUsed) cores (\(mapping.coresPerChip) per chip), "
            + (mapping.fitsOneChip ? "fits one chip" : "needs \(mapping.chipsNeeded) chips") + "; cores ended by \(limits)"]
        for violation in mapping.violations {
            lines.append("  \(violation.limit) exceeded: node '\(violation.node)' neuron \(violation.neuron) has \(violation.value), the chip allows \(violation.allowed)")
        }
        for note in mapping.notes { lines.append("  note: \(note)") }
        return lines
    }
}
