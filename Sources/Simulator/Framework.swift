/// The framework whose neuron semantics a run reproduces. A NIR file states the neurons' continuous-time
/// equations, but each exporter discretises them its own way (time step, reset timing, spike function, the order
/// of float32 operations); `docs/frameworks.md` says what each one writes and what NeuroCost does with it.
public enum Framework: String, Sendable, CaseIterable, Codable {
    /// NIR's equations with an Euler step (`docs/execution-model.md`): NeuroCost's own reading, for files whose
    /// exporter is unknown and for networks converted with `neurocost convert`.
    case nir
    /// snntorch 1.0: `Leaky`, `Synaptic`, `RLeaky`, `RSynaptic` exported with dt = 1e-4 s; `mem = β·mem + x`,
    /// reset applied at the step after a spike.
    case snntorch
    /// sinabs 3.1: `IAF`, `LIF` (exact exponential decay, τ in steps, normalised input) with the multi-spike
    /// function and reset by subtraction.
    case sinabs
    /// norse 1.1: `IAFCell`, `LIFBoxCell`, `LIFCell` with dt = 1e-3 s; the exporter writes τ as dt/τ⁻¹.
    case norse
    /// SpikingJelly 2.0: `IFNode`, `LIFNode` with hard reset, exported with dt = 1e-4 s; IF written as `r = 1/dt`.
    case spikingjelly

    /// The step length the framework's exporter assumes, in seconds (sinabs counts τ in steps: 1).
    public var defaultTimeStepSeconds: Double {
        switch self {
        case .nir, .norse: return 1e-3
        case .snntorch, .spikingjelly: return 1e-4
        case .sinabs: return 1
        }
    }

    /// The reset the framework applies by default.
    public var defaultReset: ResetMode {
        switch self {
        case .nir, .sinabs, .snntorch: return .subtract
        case .norse, .spikingjelly: return .value
        }
    }

    /// How the framework compares the potential with the threshold.
    public var defaultThresholdComparison: ThresholdComparison {
        switch self {
        case .nir, .snntorch, .norse: return .gt
        case .sinabs, .spikingjelly: return .ge
        }
    }

    /// How many spikes a neuron may emit per step by default.
    public var defaultSpikeFunction: SpikeFunction {
        self == .sinabs ? .multi : .single
    }

    /// The resets the framework offers, as NeuroCost names them.
    public var supportedResets: [ResetMode] {
        switch self {
        case .nir, .sinabs, .norse, .spikingjelly: return [.subtract, .value]
        case .snntorch: return [.subtract, .zero]
        }
    }
}

/// How many spikes a neuron emits in one step.
public enum SpikeFunction: String, Sendable, CaseIterable, Codable {
    /// At most one: `v ≥ θ` (or `v > θ`) fires once and resets once.
    case single
    /// sinabs's `MultiSpike`: `⌊v/θ⌋` spikes where `v > 0`, all of them subtracted; each spike is counted and
    /// travels (so spikes and synops scale with the number emitted).
    case multi
}
