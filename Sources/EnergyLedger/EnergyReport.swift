import HardwareProfiles

/// Energy of one layer, by component, in picojoules over the whole run.
public struct LayerEnergy: Sendable {
    public let name: String
    public let kind: String
    public let picojoules: [EnergyComponent: Double]

    /// Summed in component order, so the same counts always give the same bits.
    public var totalPicojoules: Double {
        EnergyComponent.allCases.reduce(0.0) { $0 + (picojoules[$1] ?? 0) }
    }

    public func picojoules(in group: EnergyGroup) -> Double {
        EnergyComponent.allCases.filter { $0.group == group }.reduce(0.0) { $0 + (picojoules[$1] ?? 0) }
    }
}

/// Counts priced under one hardware profile.
public struct EnergyReport: Sendable {
    public let profile: String
    public let samples: Int
    public let layers: [LayerEnergy]
    /// Static power × steps × time per step × samples (not attributed to layers); 0 when not published.
    public let staticPicojoules: Double
    /// The per-step system energy (`step_fixed` × steps × samples, plus `host.management_power_w` × latency × samples),
    /// not attributed to layers; 0 when neither is published.
    public let stepFixedPicojoules: Double
    /// Step and inference time from the time model; nil when the profile publishes neither latencies nor a tick.
    public let timing: InferenceTiming?
    /// An all-in power figure × the latency: the whole-chip alternative to the per-event estimate (nil otherwise).
    public let powerBasedPicojoulesPerInference: Double?
    /// Per component, each sample's energy (N), picojoules. Router hops, which a mapping gives for the whole run, are
    /// shared out by each sample's share of the layer's spikes.
    public let perSamplePicojoules: [EnergyComponent: [Double]]
    /// Where each kind of data lives (`weights`, `state`, `spikes`) → memory level name (digital profiles).
    public let placement: [String: String]
    /// Storage format used for each weighted layer's weights.
    public let weightFormats: [String: String]
    /// Every constant the figures used (energies, memory accesses), with its profile field and source.
    public let constantsUsed: [SourcedConstant]
    /// Assumptions and omissions that shaped the figures (all-in constants, unpublished terms).
    public internal(set) var notes: [String]
    /// Input spikes injected from the host (`host_input_spike` × input spikes), not attributed to layers; 0 when not priced.
    public let hostInputPicojoules: Double
    /// The estimate with every disputed constant at its low and its high source; nil when no constant is disputed.
    public internal(set) var range: EnergyRange?

    public init(profile: String, samples: Int, layers: [LayerEnergy], staticPicojoules: Double,
                perSamplePicojoules: [EnergyComponent: [Double]], placement: [String: String], weightFormats: [String: String],
                constantsUsed: [SourcedConstant], notes: [String], stepFixedPicojoules: Double = 0,
                timing: InferenceTiming? = nil, powerBasedPicojoulesPerInference: Double? = nil, hostInputPicojoules: Double = 0) {
        self.stepFixedPicojoules = stepFixedPicojoules
        self.hostInputPicojoules = hostInputPicojoules
        self.timing = timing
        self.powerBasedPicojoulesPerInference = powerBasedPicojoulesPerInference
        self.profile = profile
        self.samples = samples
        self.layers = layers
        self.staticPicojoules = staticPicojoules
        self.perSamplePicojoules = perSamplePicojoules
        self.placement = placement
        self.weightFormats = weightFormats
        self.constantsUsed = constantsUsed
        self.notes = notes
    }

    /// Sum over layers (in layer order) and static, per component.
    public var totals: [EnergyComponent: Double] {
        var result = Dictionary(uniqueKeysWithValues: EnergyComponent.allCases.map { ($0, 0.0) })
        for layer in layers {
            for component in EnergyComponent.allCases { result[component]! += layer.picojoules[component] ?? 0 }
        }
        result[.staticEnergy]! += staticPicojoules
        result[.stepFixed]! += stepFixedPicojoules
        result[.hostInput]! += hostInputPicojoules
        return result
    }

    /// Summed in component order: identical bits on every run and thread count.
    public var totalPicojoules: Double {
        let totals = totals
        return EnergyComponent.allCases.reduce(0.0) { $0 + totals[$1]! }
    }

    /// The whole run's energy divided by the number of samples.
    public var perSamplePicojoulesAverage: Double { samples == 0 ? 0 : totalPicojoules / Double(samples) }

    /// Each sample's energy over every component, summed in component order.
    public var perSampleTotals: [Double] {
        (0..<samples).map { sample in
            EnergyComponent.allCases.reduce(0.0) { $0 + (perSamplePicojoules[$1]?[sample] ?? 0) }
        }
    }

    public func total(_ group: EnergyGroup) -> Double {
        let totals = totals
        return EnergyComponent.allCases.filter { $0.group == group }.reduce(0.0) { $0 + totals[$1]! }
    }

    // Per inference (one sample), the figures of the time model (docs/energy-ledger.md, "Time model").

    /// Total energy per inference (the run's energy ÷ samples), picojoules.
    public var energyPerInferencePicojoules: Double { perSamplePicojoulesAverage }

    /// Static energy per inference (static power × latency), picojoules.
    public var staticEnergyPerInferencePicojoules: Double { samples == 0 ? 0 : staticPicojoules / Double(samples) }

    /// Everything but static energy, per inference, picojoules.
    public var dynamicEnergyPerInferencePicojoules: Double { energyPerInferencePicojoules - staticEnergyPerInferencePicojoules }

    /// Seconds per inference; nil without a time model.
    public var latencyPerInferenceSeconds: Double? { timing?.latencySeconds }

    /// Inferences per second, one after the other (1 ÷ latency).
    public var throughputInferencesPerSecond: Double? { timing.map { 1 / $0.latencySeconds } }

    /// Energy per inference ÷ latency, watts (1 pJ = 1e-12 J).
    public var averagePowerWatts: Double? { timing.map { energyPerInferencePicojoules * 1e-12 / $0.latencySeconds } }

    /// Energy per inference × latency, joule-seconds.
    public var energyDelayProductJouleSeconds: Double? { timing.map { energyPerInferencePicojoules * 1e-12 * $0.latencySeconds } }
}

/// An estimate as a range, where a profile's sources disagree on some constants (docs/energy-ledger.md, "Ranges").
public struct EnergyRange: Sendable, Equatable {
    /// The disputed profile fields (`energy.synop`, `static_power_w`).
    public let fields: [String]
    /// Energy per inference with every disputed figure at its low source, picojoules.
    public let lowPicojoulesPerInference: Double
    /// Energy per inference with every disputed figure at its high source, picojoules.
    public let highPicojoulesPerInference: Double
    /// Dynamic energy per inference (without static), low end, picojoules.
    public let lowDynamicPicojoulesPerInference: Double
    /// Dynamic energy per inference, high end, picojoules.
    public let highDynamicPicojoulesPerInference: Double
}
