/// Energy of one layer, by component, in picojoules over the whole run.
public struct LayerEnergy: Sendable {
    public let name: String
    public let kind: String
    public let picojoules: [EnergyComponent: Double]

    public var totalPicojoules: Double { picojoules.values.reduce(0, +) }

    public func picojoules(in group: EnergyGroup) -> Double {
        picojoules.filter { $0.key.group == group }.values.reduce(0, +)
    }
}

/// A run priced under one hardware profile.
public struct EnergyReport: Sendable {
    public let profile: String
    public let samples: Int
    public let layers: [LayerEnergy]
    /// Static power × steps × time per step × samples (not attributed to layers); 0 when not published.
    public let staticPicojoules: Double
    /// Where each kind of data lives (`weights`, `state`, `spikes`) → memory level name (digital profiles).
    public let placement: [String: String]
    /// Storage format used for each weighted layer's weights.
    public let weightFormats: [String: String]
    /// Assumptions and omissions that shaped the figures (all-in constants, unpublished terms).
    public let notes: [String]

    /// Sum over layers and static, per component.
    public var totals: [EnergyComponent: Double] {
        var result = Dictionary(uniqueKeysWithValues: EnergyComponent.allCases.map { ($0, 0.0) })
        for layer in layers { for (component, value) in layer.picojoules { result[component]! += value } }
        result[.staticEnergy]! += staticPicojoules
        return result
    }

    public var totalPicojoules: Double { totals.values.reduce(0, +) }

    /// The whole run's energy divided by the number of samples.
    public var perSamplePicojoules: Double { samples == 0 ? 0 : totalPicojoules / Double(samples) }

    public func total(_ group: EnergyGroup) -> Double {
        totals.filter { $0.key.group == group }.values.reduce(0, +)
    }
}
