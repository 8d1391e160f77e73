import EnergyLedger
import HardwareProfiles
import NetworkModel
import Simulator

extension LayerCountTable {
    /// A run's per-sample counts, as the pricing modules take them.
    public init(run: RunResult) {
        var tables: [Metric: [Int]] = [:]
        for metric in CountMetric.allCases {
            guard let pricing = Metric(rawValue: metric.rawValue) else { continue }
            tables[pricing] = run.counts.perSample[metric]
        }
        // The tables are the run's own, N × L by construction.
        try! self.init(layerNames: run.layerNames, timesteps: run.counts.timesteps, sampleCount: run.counts.sampleCount,
                       perSample: tables)
    }
}

extension ConventionLayout {
    /// The layout of a planned run's network (the Input emits spikes under Poisson and spike-train encodings).
    public init(plan: SimulationPlan, layerNames: [String]) throws(LedgerError) {
        try self.init(network: plan.network, layerNames: layerNames, inputCarriesSpikes: plan.options.encoding != .direct)
    }
}

extension LedgerLayout {
    /// The layout of a run's layers in its network.
    public init(run: RunResult, network: Network) throws(LedgerError) {
        try self.init(network: network, layerNames: run.layerNames)
    }
}

extension EnergyLedger {
    /// Prices a run's counts (its per-sample tables) in `network`.
    public static func price(_ run: RunResult, network: Network, profile: HardwareProfile,
                             options: LedgerOptions = LedgerOptions()) throws(LedgerError) -> EnergyReport {
        try price(LayerCountTable(run: run), layout: LedgerLayout(run: run, network: network), profile: profile, options: options)
    }
}
