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

    public init(timesteps: Int = 8, encoding: InputEncoding = .direct, reset: ResetMode = .subtract,
                thresholdComparison: ThresholdComparison = .gt, dt: Double = 1e-3, seed: UInt64 = 0, readout: String? = nil) {
        self.timesteps = timesteps
        self.encoding = encoding
        self.reset = reset
        self.thresholdComparison = thresholdComparison
        self.dt = dt
        self.seed = seed
        self.readout = readout
    }
}
