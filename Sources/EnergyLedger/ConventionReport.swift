/// One quantity a convention counts, per sample and layer.
public struct ConventionQuantity: Sendable, Equatable {
    /// The quantity's name in results files (`accumulates`, `synops`, `effective_acs`, …).
    public let name: String
    public let units: String
    /// Row-major (N, L).
    public let perSample: [Double]
    /// True when every value is a whole count (stored as integers).
    public let isInteger: Bool
    public let layerCount: Int

    public var sampleCount: Int { layerCount == 0 ? 0 : perSample.count / layerCount }

    /// One layer's value over every sample, summed in sample order.
    public func total(layer: Int) -> Double {
        var sum = 0.0
        for sample in 0..<sampleCount { sum += perSample[sample * layerCount + layer] }
        return sum
    }

    /// Per sample, summed over layers in layer order.
    public var perSampleTotals: [Double] {
        (0..<sampleCount).map { sample in
            var sum = 0.0
            for layer in 0..<layerCount { sum += perSample[sample * layerCount + layer] }
            return sum
        }
    }

    /// Over the whole run: layers summed in order, then samples in order (the same figure on every run).
    public var total: Double { perSampleTotals.reduce(0, +) }
}

/// A run counted under one convention: its quantities per sample and layer, or why it cannot be counted.
public struct ConventionReport: Sendable, Equatable {
    public let convention: CountingConvention
    public let layerNames: [String]
    public let sampleCount: Int
    public let timesteps: Int
    /// Empty when `unavailable` is set.
    public let quantities: [ConventionQuantity]
    /// Why the counts cannot give this convention (nil when they can).
    public let unavailable: String?

    public func quantity(_ name: String) -> ConventionQuantity? {
        quantities.first { $0.name == name }
    }

    /// The convention's operation count over the whole run: accumulates (Eq. 12), synops + MACs (syops-counter),
    /// Effective_ACs + Effective_MACs (NeuroBench). Nil when unavailable.
    public var operations: Double? {
        guard unavailable == nil else { return nil }
        switch convention {
        case .seedEq12: return quantity("accumulates")?.total
        case .syopsCounter: return (quantity("synops")?.total ?? 0) + (quantity("macs")?.total ?? 0)
        case .neurobench: return (quantity("effective_acs")?.total ?? 0) + (quantity("effective_macs")?.total ?? 0)
        case .kerasSpiking: return (quantity("connections")?.total ?? 0) + (quantity("neurons")?.total ?? 0)
        }
    }
}

/// A convention's energy form priced under one profile, per sample and layer.
public struct ConventionEnergy: Sendable, Equatable {
    public let convention: CountingConvention
    public let profile: String
    /// Row-major (N, L).
    public let perSamplePicojoules: [Double]
    public let layerCount: Int
    /// The constants used: name → picojoules.
    public let constants: [(name: String, picojoules: Double)]

    public static func == (lhs: ConventionEnergy, rhs: ConventionEnergy) -> Bool {
        lhs.convention == rhs.convention && lhs.profile == rhs.profile && lhs.perSamplePicojoules == rhs.perSamplePicojoules
            && lhs.constants.map(\.name) == rhs.constants.map(\.name) && lhs.constants.map(\.picojoules) == rhs.constants.map(\.picojoules)
    }

    /// Per sample, summed over layers in order.
    public var perSampleTotals: [Double] {
        let samples = layerCount == 0 ? 0 : perSamplePicojoules.count / layerCount
        return (0..<samples).map { sample in
            var sum = 0.0
            for layer in 0..<layerCount { sum += perSamplePicojoules[sample * layerCount + layer] }
            return sum
        }
    }

    /// Over the whole run, in a fixed order.
    public var totalPicojoules: Double { perSampleTotals.reduce(0, +) }
}
