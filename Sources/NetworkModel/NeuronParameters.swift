/// The neuron models NIR defines. Their dynamics are continuous-time ODEs; the simulator discretises them.
public enum NeuronModel: String, Sendable, CaseIterable {
    /// `I`: v̇ = R·I, output v.
    case integrator = "I"
    /// `LI`: τ v̇ = (v_leak − v) + R·I, output v.
    case leakyIntegrator = "LI"
    /// `IF`: v̇ = R·I, spikes when v crosses v_threshold.
    case integrateAndFire = "IF"
    /// `LIF`: τ v̇ = (v_leak − v) + R·I, spikes.
    case leakyIntegrateAndFire = "LIF"
    /// `CubaLI`: a synaptic current filter in front of an LI.
    case currentBasedLeakyIntegrator = "CubaLI"
    /// `CubaLIF`: a synaptic current filter in front of a LIF.
    case currentBasedLeakyIntegrateAndFire = "CubaLIF"

    /// NIR dataset names a file must have for this model.
    public var requiredFields: [String] {
        switch self {
        case .integrator: return ["r"]
        case .leakyIntegrator: return ["tau", "r", "v_leak"]
        case .integrateAndFire: return ["r", "v_threshold"]
        case .leakyIntegrateAndFire: return ["tau", "r", "v_leak", "v_threshold"]
        case .currentBasedLeakyIntegrator: return ["tau_syn", "tau_mem", "r", "v_leak", "w_in"]
        case .currentBasedLeakyIntegrateAndFire: return ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold"]
        }
    }

    /// NIR dataset names that may be absent: `v_reset` appeared in nir 1.0.6; old CubaLIF files lack `w_in` (default 1).
    public var optionalFields: [String] {
        switch self {
        case .integrator, .leakyIntegrator, .currentBasedLeakyIntegrator: return []
        case .integrateAndFire, .leakyIntegrateAndFire: return ["v_reset"]
        case .currentBasedLeakyIntegrateAndFire: return ["v_reset", "w_in"]
        }
    }

    /// Whether the model emits binary spikes (the others output their state).
    public var emitsSpikes: Bool {
        switch self {
        case .integrateAndFire, .leakyIntegrateAndFire, .currentBasedLeakyIntegrateAndFire: return true
        case .integrator, .leakyIntegrator, .currentBasedLeakyIntegrator: return false
        }
    }
}

/// A population of neurons of one model, with each parameter as the file stored it
/// (scalar, shape (1,), per channel or full shape; broadcast numpy-style to the population's shape).
public struct NeuronParameters: Sendable, Equatable {
    public let model: NeuronModel
    /// Parameter tensors keyed by their NIR dataset name.
    public let fields: [String: ParameterTensor]

    /// Creates the population; every required field must be present and no unknown field may be given.
    public init(model: NeuronModel, fields: [String: ParameterTensor], node: String) throws(NetworkError) {
        for name in model.requiredFields where fields[name] == nil {
            throw NetworkError(node: node, field: name, "missing parameter required by \(model.rawValue)")
        }
        let known = Set(model.requiredFields + model.optionalFields)
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw NetworkError(node: node, field: unknown, "not a parameter of \(model.rawValue)")
        }
        self.model = model
        self.fields = fields
    }

    /// Field names in a stable order: required first, then the optional ones present.
    public var orderedFieldNames: [String] {
        model.requiredFields + model.optionalFields.filter { fields[$0] != nil }
    }

    /// Whether the file gave a reset potential (nir ≥ 1.0.6); without one, legacy files mean reset by subtraction.
    public var hasResetPotential: Bool { fields["v_reset"] != nil }
}
