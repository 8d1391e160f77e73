/// The cores of a neuromorphic chip (or board) and their capacity limits; `nil` means not published or not limited.
public struct CoreLimits: Sendable, Equatable {
    /// Number of cores (on all chips together).
    public let count: Int
    /// Neurons (compartments) one core holds.
    public let neuronsPerCore: Int?
    /// Synaptic memory of one core, in bytes.
    public let synapticMemoryBytesPerCore: Int?
    /// Most synapses into one neuron.
    public let fanInPerNeuron: Int?
    /// Most synapses one neuron's spike reaches.
    public let fanOutPerNeuron: Int?
    /// Mesh columns of one chip (the X direction, routed first; east-west hops). A mesh place is a tile of
    /// `coresPerTile` cores.
    public let meshColumns: Int?
    /// Mesh rows of one chip (the Y direction, routed second; north-south hops).
    public let meshRows: Int?
    /// Cores sharing one mesh router (Loihi: 4 cores per tile); a spike between cores of one tile takes no hop.
    public let coresPerTile: Int
    /// Chips per row when several chips form a 2-D mesh of chips; nil when the arrangement is not published (chips
    /// are then taken as a chain, and a spike crosses one chip boundary per chip it passes).
    public let chipMeshColumns: Int?
    /// How the cores store synapses.
    public let synapseEncoding: SynapseEncoding
    /// Cores per chip when the profile covers several chips.
    public let coresPerChip: Int?
    /// Distinct input axons one core has: one per (source neuron, this core) pair that carries spikes in.
    public let inputAxonsPerCore: Int?
    /// Output axons one core has: one per (neuron of this core, destination core) pair.
    public let outputAxonsPerCore: Int?
    /// Destination cores one neuron's spike may reach (TrueNorth: 1).
    public let destinationCoresPerNeuron: Int?
    /// Distinct non-zero weight values one neuron can apply to its inputs (TrueNorth: 4, one per axon type).
    public let weightValuesPerNeuron: Int?
    /// Population axons for convolutions, when the chip has them (nil: one input axon per source neuron and core).
    public let populationAxons: PopulationAxons?

    /// Creates core limits; `nil` for anything not published.
    public init(count: Int, neuronsPerCore: Int?, synapticMemoryBytesPerCore: Int?, fanInPerNeuron: Int?,
                fanOutPerNeuron: Int?, meshColumns: Int?, meshRows: Int?, coresPerChip: Int?,
                inputAxonsPerCore: Int? = nil, outputAxonsPerCore: Int? = nil, destinationCoresPerNeuron: Int? = nil,
                weightValuesPerNeuron: Int? = nil, coresPerTile: Int = 1, chipMeshColumns: Int? = nil,
                synapseEncoding: SynapseEncoding = .generic, populationAxons: PopulationAxons? = nil) {
        self.populationAxons = populationAxons
        self.coresPerTile = coresPerTile
        self.chipMeshColumns = chipMeshColumns
        self.synapseEncoding = synapseEncoding
        self.inputAxonsPerCore = inputAxonsPerCore
        self.outputAxonsPerCore = outputAxonsPerCore
        self.destinationCoresPerNeuron = destinationCoresPerNeuron
        self.weightValuesPerNeuron = weightValuesPerNeuron
        self.count = count
        self.neuronsPerCore = neuronsPerCore
        self.synapticMemoryBytesPerCore = synapticMemoryBytesPerCore
        self.fanInPerNeuron = fanInPerNeuron
        self.fanOutPerNeuron = fanOutPerNeuron
        self.meshColumns = meshColumns
        self.meshRows = meshRows
        self.coresPerChip = coresPerChip
    }

    /// Neurons all cores hold together, when the per-core figure is known.
    public var totalNeurons: Int? { neuronsPerCore.map { $0 * count } }

    /// Number of chips, when the profile covers several.
    public var chipCount: Int? { coresPerChip.map { count / $0 } }
}
