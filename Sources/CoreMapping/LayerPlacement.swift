/// One placed layer's cores: `tiling.coreCount` consecutive cores from `firstCore`.
public struct LayerPlacement: Sendable, Equatable {
    public let tiling: LayerTiling
    public let firstCore: Int
    /// The global core of neuron `neuron` of the layer.
    public func core(ofNeuron neuron: Int) -> Int { firstCore + tiling.core(ofNeuron: neuron) }
}
