import CoreMapping
import CostAnalysis
import EnergyLedger
import HardwareProfiles
import NetworkModel
import Simulator

/// Prices simulated runs: the run's counts go to the ledger; on a neuromorphic profile with cores the network is
/// first mapped onto the cores, so that router hops are priced from the mapping.
public enum RunPricer {
    /// One profile.
    public static func price(_ run: RunResult, plan: SimulationPlan, profile: HardwareProfile,
                             weightFormat: WeightStorageFormat? = nil, memoryModel: MemoryModel = .reuse) throws -> (EnergyReport, MappingReport?) {
        try price(LayerCountTable(run: run), plan: plan, spikesPerNeuron: run.spikesPerNeuron, profile: profile,
                  weightFormat: weightFormat, memoryModel: memoryModel)
    }

    /// Counts of a run of `plan` (from a run or a results file), with the spikes of each neuron by node index when
    /// known (they weight the core mapping's hops).
    public static func price(_ counts: LayerCountTable, plan: SimulationPlan, spikesPerNeuron: [Int: [Int]], profile: HardwareProfile,
                             weightFormat: WeightStorageFormat? = nil, memoryModel: MemoryModel = .reuse) throws -> (EnergyReport, MappingReport?) {
        var mapping: MappingReport?
        if profile.kind == .neuromorphic, profile.cores != nil {
            mapping = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: spikesPerNeuron.isEmpty ? nil : spikesPerNeuron)
        }
        let options = LedgerOptions(weightFormat: weightFormat, routerHops: mapping?.hopsPerNode, memoryModel: memoryModel,
                                    hostInputCores: mapping?.hostInputCores, chips: mapping.map { max($0.chipsNeeded, 1) })
        let layout = try LedgerLayout(network: plan.network, layerNames: counts.layerNames)
        return (try EnergyLedger.price(counts, layout: layout, profile: profile, options: options), mapping)
    }

    /// Counts under profiles already keyed, each kept with its failure when it cannot price them.
    public static func price(_ counts: LayerCountTable, plan: SimulationPlan, spikesPerNeuron: [Int: [Int]],
                             keyed profiles: [(key: String, profile: HardwareProfile)], weightFormat: WeightStorageFormat? = nil,
                             memoryModel: MemoryModel = .reuse) -> [ProfilePricing] {
        profiles.map { key, profile in
            do {
                let (report, mapping) = try price(counts, plan: plan, spikesPerNeuron: spikesPerNeuron, profile: profile,
                                                  weightFormat: weightFormat, memoryModel: memoryModel)
                return ProfilePricing(key: key, profile: profile, outcome: .success(report), mapping: mapping)
            } catch {
                return ProfilePricing(key: key, profile: profile, outcome: .failure(PricingFailure("\(error)")), mapping: nil)
            }
        }
    }

    /// Every profile, each keyed uniquely (`ProfileKeys`); a profile that cannot price the run is kept with the reason.
    public static func price(_ run: RunResult, plan: SimulationPlan, profiles: [HardwareProfile],
                             weightFormat: WeightStorageFormat? = nil, memoryModel: MemoryModel = .reuse) -> [ProfilePricing] {
        price(run, plan: plan, keyed: ProfileKeys.unique(profiles), weightFormat: weightFormat, memoryModel: memoryModel)
    }

    /// Profiles already keyed (`ProfileKeys.unique`).
    public static func price(_ run: RunResult, plan: SimulationPlan, keyed profiles: [(key: String, profile: HardwareProfile)],
                             weightFormat: WeightStorageFormat? = nil, memoryModel: MemoryModel = .reuse) -> [ProfilePricing] {
        price(LayerCountTable(run: run), plan: plan, spikesPerNeuron: run.spikesPerNeuron, keyed: profiles,
              weightFormat: weightFormat, memoryModel: memoryModel)
    }

    /// Why `profile` cannot price a run of `plan`, found before simulating (nil when it can): the ledger is run on
    /// counts of 1 wherever the plan can produce a count (MACs where a layer reads analog values, synops where it
    /// reads spikes, updates at populations, bias adds where a bias is non-zero, spikes at spiking layers).
    public static func cannotPrice(_ plan: SimulationPlan, profile: HardwareProfile, weightFormat: WeightStorageFormat? = nil, memoryModel: MemoryModel = .reuse) -> String? {
        let network = plan.network
        let names = plan.layerNames
        var tables = Dictionary(uniqueKeysWithValues: LayerCountTable.Metric.allCases.map { ($0, [Int](repeating: 0, count: names.count)) })
        let inputSpikes = plan.options.encoding != .direct && !plan.isANNView
        for (layer, node) in plan.layerNodes.enumerated() {
            let kind = network.nodes[node].kind
            for producer in network.nearestWorkingNodes(from: node, forward: false) {
                let producerKind = network.nodes[producer].kind
                let spiking: Bool
                if case .input = producerKind { spiking = inputSpikes } else { spiking = producerKind.emitsSpikes && !plan.isANNView }
                if spiking { tables[.synops]![layer] = 1 } else if kind.weight != nil { tables[.macs]![layer] = 1 }
            }
            if kind.isNeuronPopulation && !plan.isANNView { tables[.neuronUpdates]![layer] = 1; tables[.activeNeuronUpdates]![layer] = 1 }
            if kind.emitsSpikes && !plan.isANNView { tables[.spikes]![layer] = 1 }
            if case .affine(_, let bias) = kind, (0..<bias.count).contains(where: { bias.value(at: $0) != 0 }) { tables[.biasAdds]![layer] = 1 }
            if case .convolution(let conv) = kind, let bias = conv.bias, (0..<bias.count).contains(where: { bias.value(at: $0) != 0 }) {
                tables[.biasAdds]![layer] = 1
            }
        }
        do {
            let counts = try LayerCountTable(layerNames: names, timesteps: plan.options.timesteps, sampleCount: 1, perSample: tables)
            _ = try EnergyLedger.price(counts, layout: LedgerLayout(network: network, layerNames: names), profile: profile,
                                       options: LedgerOptions(weightFormat: weightFormat, memoryModel: memoryModel))
            return nil
        } catch {
            return "\(error)"
        }
    }
}
