import NetworkModel

/// How one population advances each step, resolved once from the framework, the model and the options:
/// the state update (in the framework's own float32 operation order), when and how it resets, and how many spikes
/// it may emit. `docs/frameworks.md` gives each rule with the framework code it reproduces.
struct NeuronRule: Sendable, Equatable {
    /// The state update, before threshold and reset. Coefficient buffers mean what each case says.
    enum Update: Sendable, Equatable {
        /// NIR's Euler step: `v ← v + a·((v_leak − v) + r·x)`, `a = dt/τ`; Cuba: `i ← i + a_s·(w_in·x − i)` first.
        /// IF and I: `v ← v + r·x` (`r·dt` under SpikingJelly, whose IF is NIR's ODE with an Euler step).
        case euler
        /// snntorch: `v ← β·v + g·x` (Cuba: `i ← α·i + g_s·x`, then `v ← β·v + g·i`), `g = 1` for its own exports.
        case decay
        /// sinabs: `v ← a·v + (1 − a)·(r·x)`, `a = exp(−dt/τ)` (exact integration of NIR's LIF with `norm_input`).
        case exponential
        /// norse's `LIFBoxCell`: `v ← v + a·((r·x + v_leak) − v)`, `a = dt·τ⁻¹`.
        case norseBox
        /// norse's `LIFCell`: `i ← i + w_in·x`, `v ← v + a·((v_leak − v) + r·i)`, then `i ← i + (−a_s)·i`.
        case norseCurrentJump
        /// SpikingJelly's `LIFNode`: `v ← v + (x − (v − v_leak)) / τ` in steps (`decay_input=True`, r = 1), or
        /// `v ← v − (v − v_leak) / τ + x` (`decay_input=False`, r = τ).
        case spikingJellyDivision
    }

    /// When a spike's reset reaches the potential.
    enum Reset: Sendable, Equatable {
        /// At the step of the spike: `v ← v − θ` (per spike under multi-spike).
        case subtract
        /// At the step of the spike: `v ← v_reset`.
        case toValue
        /// snntorch's default: at the next step, `v ← β·v + x − θ` when the previous potential exceeded θ.
        case subtractAtNextStep
        /// snntorch `Leaky` with `reset_mechanism="zero"`: the potential is zeroed before the next step's update,
        /// whose input still counts.
        case zeroBeforeNextStep
        /// snntorch `Synaptic`, `RLeaky`, `RSynaptic` with `reset_mechanism="zero"`: the potential is held at zero
        /// through the next step, dropping that step's input (the synaptic current still integrates it).
        case holdZeroNextStep
    }

    let update: Update
    let reset: Reset
    let spikeFunction: SpikeFunction
    let comparison: ThresholdComparison

    /// True when the rule is the engine's vectorised IF (one multiply-add, compare, immediate single reset).
    var isPlainIntegrateAndFire: Bool {
        update == .euler && (reset == .subtract || reset == .toValue) && spikeFunction == .single
    }

    /// Resolves the rule for a population of `model` under `options`.
    /// - Parameter hasRecurrentInput: whether a recurrent edge feeds the population (snntorch's `RLeaky`).
    static func resolve(model: NeuronModel, options: SimulationOptions, hasRecurrentInput: Bool,
                        node: String) throws(SimulationError) -> NeuronRule {
        let framework = options.framework
        let update: Update
        switch (framework, model) {
        case (_, .integrateAndFire), (_, .integrator):
            update = .euler
        case (.nir, _):
            update = .euler
        case (.snntorch, _):
            update = .decay
        case (.sinabs, .leakyIntegrateAndFire), (.sinabs, .leakyIntegrator):
            update = .exponential
        case (.sinabs, _):
            throw SimulationError("node '\(node)': sinabs exports no \(model.rawValue); run it with --framework nir")
        case (.norse, .leakyIntegrateAndFire), (.norse, .leakyIntegrator):
            update = .norseBox
        case (.norse, _):
            update = .norseCurrentJump
        case (.spikingjelly, .leakyIntegrateAndFire), (.spikingjelly, .leakyIntegrator):
            update = .spikingJellyDivision
        case (.spikingjelly, _):
            throw SimulationError("node '\(node)': SpikingJelly's \(model.rawValue) export is not reproduced (IFNode and LIFNode are); run it with --framework nir for NIR's Euler reading")
        }
        let reset: Reset
        switch (options.reset, framework) {
        case (.subtract, .snntorch):
            reset = .subtractAtNextStep
        case (.zero, _):
            reset = (model == .leakyIntegrateAndFire && !hasRecurrentInput) ? .zeroBeforeNextStep : .holdZeroNextStep
        case (.subtract, _):
            reset = .subtract
        case (.value, _):
            reset = .toValue
        }
        return NeuronRule(update: update, reset: reset, spikeFunction: options.spikeFunction, comparison: options.thresholdComparison)
    }
}
