/// The parts a run's energy is split into. Each has one documented formula (docs/energy-ledger.md).
public enum EnergyComponent: String, Sendable, CaseIterable, Codable {
    // compute
    case synops
    case macs
    case neuronUpdates = "neuron_updates"
    case biasAdds = "bias_adds"
    // memory traffic
    case weightReads = "weight_reads"
    case indexReads = "index_reads"
    /// Weights (and indices) streamed from the level holding the network's weights into a tile buffer (reuse model).
    case weightStreaming = "weight_streaming"
    case stateTraffic = "state_traffic"
    case spikeTraffic = "spike_traffic"
    // routing
    case spikesSent = "spikes_sent"
    case routerHops = "router_hops"
    /// Spike messages, one per destination core (neuromorphic profiles that publish `axon_message`).
    case axonMessages = "axon_messages"
    // system
    /// The system energy of every time step: `step_fixed` per step, plus the management cores' power × latency
    /// (`host.management_power_w`).
    case stepFixed = "step_fixed"
    /// Input spikes injected from the host (`host_input_spike` × the input spikes the caller counts).
    case hostInput = "host_input"
    /// Output spikes read out by the host (`host_output_spike` × the spikes of layers no node reads).
    case hostOutput = "host_output"
    // static
    case staticEnergy = "static"

    /// The group the component belongs to.
    public var group: EnergyGroup {
        switch self {
        case .synops, .macs, .neuronUpdates, .biasAdds: return .compute
        case .weightReads, .indexReads, .weightStreaming, .stateTraffic, .spikeTraffic: return .memory
        case .spikesSent, .routerHops, .axonMessages: return .routing
        case .stepFixed, .hostInput, .hostOutput: return .system
        case .staticEnergy: return .staticPower
        }
    }
}

/// Coarse groups of components, for tables and plots.
public enum EnergyGroup: String, Sendable, CaseIterable, Codable {
    case compute, memory, routing
    /// Per-step fixed costs of the whole system (barrier, management cores), not attributed to layers.
    case system
    case staticPower = "static"
}
