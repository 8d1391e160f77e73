/// The latencies a profile publishes for its time model (`timing:` in a profile), resolved once at load. Each is a
/// sourced quantity in seconds; an unpublished one is `nil`, never zero.
///
/// A chip's step lasts as long as its slowest core's work (per-action latencies × that core's actions) plus the
/// barrier that ends the step; a measured system step (`min_step_s`: a host-driven loop) and a fixed tick
/// (`time_per_step_s`) are floors under it (docs/energy-ledger.md, "Time model").
public struct TimingConstants: Sendable, Equatable {
    /// One synaptic operation (the slowest published figure: a core works through its synops in sequence).
    public let synop: ProfileQuantity?
    /// Updating one neuron that receives input or fires.
    public let neuronUpdateActive: ProfileQuantity?
    /// Updating one neuron that neither receives input nor fires.
    public let neuronUpdateIdle: ProfileQuantity?
    /// Sending one spike out of its core (within its tile).
    public let spikeSent: ProfileQuantity?
    /// The mesh-wide barrier that ends each step.
    public let barrier: ProfileQuantity?
    /// Measured wall time per step of the system as a whole (host I/O, management cores): no step is shorter, and
    /// the cores' work runs within it.
    public let minStep: ProfileQuantity?

    /// The keys of `timing:`, each a quantity in seconds.
    public static let keys = ["synop_s", "neuron_update_active_s", "neuron_update_idle_s", "spike_sent_s", "barrier_s",
                              "min_step_s"]

    public init(synop: ProfileQuantity? = nil, neuronUpdateActive: ProfileQuantity? = nil, neuronUpdateIdle: ProfileQuantity? = nil,
                spikeSent: ProfileQuantity? = nil, barrier: ProfileQuantity? = nil, minStep: ProfileQuantity? = nil) {
        self.synop = synop
        self.neuronUpdateActive = neuronUpdateActive
        self.neuronUpdateIdle = neuronUpdateIdle
        self.spikeSent = spikeSent
        self.barrier = barrier
        self.minStep = minStep
    }

    /// True when the profile publishes a per-action latency, so a step's length follows from the cores' work.
    public var hasWorkModel: Bool { synop != nil || neuronUpdateActive != nil || neuronUpdateIdle != nil || spikeSent != nil }

    /// True when nothing is published.
    public var isEmpty: Bool { !hasWorkModel && barrier == nil && minStep == nil }
}
