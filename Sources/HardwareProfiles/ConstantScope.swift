/// What a hardware figure covers.
///
/// A `marginal` figure is the cost of one action alone (one add, one synaptic event, one hop): a ledger adds
/// marginal figures for every action it counts, plus static power over the run time. An `all-in` figure is a
/// total divided by a count at one operating point (TrueNorth's 26 pJ per synaptic event is the chip's whole
/// measured power over its event rate): static power, routing, memory and neuron updates are already inside it,
/// so a ledger must price its count with it alone and add no other term on top.
public enum ConstantScope: String, Sendable, CaseIterable {
    /// The cost of one action alone.
    case marginal
    /// A total (static power, routing, memory…) divided by a count at one operating point.
    case allIn = "all-in"
}
