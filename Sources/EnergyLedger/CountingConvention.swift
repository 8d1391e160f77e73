/// Published ways of turning a run's activity into one operation count (and, for some, an energy). Each is defined
/// exactly in docs/energy-ledger.md, with its source; they differ after pooling, at the analog first layer and at
/// padding, so the same run gives different ratios under each.
public enum CountingConvention: String, Sendable, CaseIterable {
    /// Schmolli et al. (CPAL 2025), Eq. 12: accumulates caused by spikes of spiking layers, each spike × the exact
    /// fan-out it meets, divided by the window of every pool on the way (the paper's spatial-ratio normalisation);
    /// spikes of the input (and analog inputs' MACs) are not counted. Energy form: accumulates × E_AC.
    case seedEq12 = "seed_eq12"
    /// syops-counter's convention (formerly NeuroCost's `paper_convention`): every synop × E_AC plus every effective
    /// MAC × E_MAC, the analog first layer included and spikes routed through pools at full fan-out.
    case syopsCounter = "syops_counter"
    /// NeuroBench's SynapticOperations: per Affine/Linear/convolution and step, the binarised input's non-zero
    /// elements × non-zero weights, as Effective_ACs when the input is binary and Effective_MACs otherwise; Dense =
    /// every weight × every input position, zero-padding taps excluded, every step.
    case neurobench
    /// KerasSpiking's ModelEnergy for its non-spiking devices (cpu, gpu, arm): every connection of every layer (each
    /// output element × its kernel, zero weights and zero padding included) and every activation neuron, once per
    /// inference, whatever the activity. Energy form: connections × E_synop + neurons × E_neuron.
    case kerasSpiking = "keras_spiking"

    /// Where the definition comes from.
    public var source: String {
        switch self {
        case .seedEq12:
            return "Schmolli et al., CPAL 2025, Eq. 12 (E_SNN = Σ_l T·E_AC·E_x[Σ_i ψ_l,i·o_l,i]) with Eq. 11's pooling normalisation"
        case .syopsCounter:
            return "syops-counter (Chen et al.): synops × E_AC + MACs × E_MAC"
        case .neurobench:
            return "NeuroBench SynapticOperations (neurobench.metrics.utils.layers: binary_inputs, stateless_layer_macs), batch of one"
        case .kerasSpiking:
            return "KerasSpiking ModelEnergy (keras_spiking/model_energy.py: conv_stats, dense_stats, layer_energy) on a non-spiking device"
        }
    }
}
