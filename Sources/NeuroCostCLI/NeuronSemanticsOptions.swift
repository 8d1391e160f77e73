import ArgumentParser
import NeuroCost

extension Framework: ExpressibleByArgument {}
extension SpikeFunction: ExpressibleByArgument {}

/// The options that say whose neuron semantics a simulation follows, shared by `run`, `compare` and `convert`.
/// Anything left unset takes the framework's default (`docs/frameworks.md`).
struct NeuronSemanticsOptions: ParsableArguments {
    @Option(help: "Reproduce the neurons of the framework that exported the file: nir, snntorch, sinabs, norse or spikingjelly (default: detected from the file where it is unambiguous, else nir).")
    var framework: Framework?

    @Option(help: "Reset after a spike: subtract or value (v ← v_reset); under snntorch its reset_mechanism, subtract or zero. Default: the framework's.")
    var reset: ResetMode?

    @Option(name: .customLong("threshold-compare"), help: "Spike when v > θ (gt) or v ≥ θ (ge). Default: the framework's (gt; ge under sinabs and spikingjelly).")
    var thresholdCompare: ThresholdComparison?

    @Option(name: .customLong("spike-function"), help: "Spikes per neuron and step: single, or multi (⌊v/θ⌋, sinabs's MultiSpike). Default: multi under sinabs, else single.")
    var spikeFunction: SpikeFunction?

    @Option(help: "Seconds per step (default: the framework's exporter's: 1e-3 for nir and norse, 1e-4 for snntorch and spikingjelly, 1 for sinabs, whose τ is in steps).")
    var dt: Double?

    func validate() throws {
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be a positive number of seconds, got \(dt)") }
    }

    /// Chooses the framework for `network`, prints what was assumed and any warning to standard error, and returns
    /// the network to simulate with the options to run it under.
    func resolve(_ network: Network, timesteps: Int, encoding: InputEncoding = .direct, seed: UInt64 = 0,
                 readout: String? = nil) throws -> (network: Network, options: SimulationOptions) {
        let choice = try FrameworkDetection.choose(network, requested: framework)
        for note in choice.notes { StandardError.write("note: \(note)") }
        let options = SimulationOptions(timesteps: timesteps, encoding: encoding, framework: choice.framework, reset: reset,
                                        thresholdComparison: thresholdCompare, spikeFunction: spikeFunction, dt: dt, seed: seed,
                                        readout: readout)
        return (choice.network, options)
    }

    /// Prints the plan's warnings (readings that are almost certainly not what the exporter meant).
    static func warn(about plan: SimulationPlan) {
        for warning in FrameworkDetection.warnings(plan: plan) { StandardError.write("warning: \(warning)") }
    }
}
