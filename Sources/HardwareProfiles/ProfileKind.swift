/// The kind of hardware a profile describes, which decides the fields it must have.
public enum ProfileKind: String, Sendable, CaseIterable {
    /// Clocked digital logic (a 45 nm datapath, a CPU, a GPU): priced per MAC or add, with a memory hierarchy.
    case digital
    /// An event-driven chip of cores: priced per synaptic event, neuron update, spike and hop.
    case neuromorphic
}
