/// How the data become the Input node's output at each step.
public enum InputEncoding: String, Sendable, CaseIterable, Codable {
    /// The analog sample at every step.
    case direct
    /// Bernoulli spikes with probability clip(x, 0, 1), from a counter-based hash of (seed, sample, step, element).
    case poisson
    /// The data already hold binary spike trains shaped (N, T, …).
    case spikes
}

/// What happens to the membrane potential after a spike.
public enum ResetMode: String, Sendable, CaseIterable, Codable {
    /// `v ← v − θ`: the ANN-to-SNN conversion standard.
    case subtract
    /// `v ← v_reset` (0 when the file has none).
    case value
    /// snntorch's `reset_mechanism="zero"`: the potential is zeroed at the step after a spike (`--framework snntorch`
    /// only; `docs/frameworks.md`).
    case zero
}

/// How the potential is compared with the threshold.
public enum ThresholdComparison: String, Sendable, CaseIterable, Codable {
    /// Spike when `v > θ`.
    case gt
    /// Spike when `v ≥ θ`.
    case ge
}

/// The choices a run depends on; `docs/execution-model.md` defines each.
public struct SimulationOptions: Sendable, Equatable {
    /// The most time steps a run may have: per-step tables grow with T, and no spiking benchmark needs more.
    public static let maxTimesteps = 1_000_000

    public var timesteps: Int
    public var encoding: InputEncoding
    public var reset: ResetMode
    public var thresholdComparison: ThresholdComparison
    /// Seconds per step for the leaky and current-based models.
    public var dt: Double
    /// Seed of the Poisson encoder.
    public var seed: UInt64
    /// The Output node whose accumulation gives predictions (nil: the first in topological order).
    public var readout: String?
    /// Whose neuron semantics the populations follow (`docs/frameworks.md`).
    public var framework: Framework
    /// Spikes per neuron and step: one, or sinabs's multi-spike.
    public var spikeFunction: SpikeFunction

    /// Options with every choice the framework leaves open set to the framework's default unless given.
    public init(timesteps: Int = 8, encoding: InputEncoding = .direct, framework: Framework = .nir, reset: ResetMode? = nil,
                thresholdComparison: ThresholdComparison? = nil, spikeFunction: SpikeFunction? = nil, dt: Double? = nil,
                seed: UInt64 = 0, readout: String? = nil) {
        self.timesteps = timesteps
        self.encoding = encoding
        self.framework = framework
        self.reset = reset ?? framework.defaultReset
        self.thresholdComparison = thresholdComparison ?? framework.defaultThresholdComparison
        self.spikeFunction = spikeFunction ?? framework.defaultSpikeFunction
        self.dt = dt ?? framework.defaultTimeStepSeconds
        self.seed = seed
        self.readout = readout
    }
}
