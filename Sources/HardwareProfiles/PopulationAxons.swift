/// A chip's population (shared) axons for convolutions (`cores.population_axons`): one input axon per source
/// *position* reaches a core, the spike carrying its channel as an atom that selects that channel's row of a shared
/// weight set. Input axons then count source positions, not source neurons, and a weight set is stored once for all
/// axons with the same pattern of targets on the core. Loihi has them (NxSDK's pop16/pop32 axons); NengoLoihi uses
/// them for every convolution (`pop_type` 32 by default).
public struct PopulationAxons: Sendable, Equatable {
    /// Output-axon slots one population axon takes on its source core (Loihi pop32: 2; pop16: 1).
    public let outputSlotsPerAxon: Int
    /// The largest compartment base a population axon's synapse-map entry holds; axons of one target pattern whose
    /// bases lie in different blocks of this many compartments need their own copy of the weight set (Loihi: 256).
    /// Nil when the chip has no such limit.
    public let compartmentBaseSpan: Int?
    /// Where the rule and its numbers come from.
    public let source: String

    public init(outputSlotsPerAxon: Int, compartmentBaseSpan: Int?, source: String) {
        self.outputSlotsPerAxon = outputSlotsPerAxon
        self.compartmentBaseSpan = compartmentBaseSpan
        self.source = source
    }
}
