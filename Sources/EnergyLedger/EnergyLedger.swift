import CostAnalysis
import HardwareProfiles
import NetworkModel
import Simulator

/// Options of the pricing.
public struct LedgerOptions: Sendable {
    /// Store every weighted layer in this format; nil: each layer in its own smallest format.
    public var weightFormat: WeightStorageFormat?
    /// Router hops per layer name, from a core mapping (neuromorphic profiles); nil: hops not priced.
    public var routerHops: [String: Int]?

    public init(weightFormat: WeightStorageFormat? = nil, routerHops: [String: Int]? = nil) {
        self.weightFormat = weightFormat
        self.routerHops = routerHops
    }
}

/// Prices a run's exact counts under a hardware profile. Every formula is in docs/energy-ledger.md.
public enum EnergyLedger {
    public static func price(_ run: RunResult, network: Network, profile: HardwareProfile,
                             options: LedgerOptions = LedgerOptions()) throws(LedgerError) -> EnergyReport {
        var pricing = Pricing(profile: profile)
        let counts = run.counts
        let layerNodes = try run.layerNames.map { name throws(LedgerError) -> Int in
            guard let index = network.index(of: name) else {
                throw LedgerError(profile: profile.name, field: "layers", message: "the run's layer '\(name)' is not in the network")
            }
            return index
        }
        let weightBits = profile.weightPrecision.bits
        let stateBits = profile.statePrecision.bits
        let allIn = profile.energy["synop"]?.scope == .allIn

        // Storage formats and the sizes that decide where data live.
        var formats: [Int: WeightStorageFormat] = [:]
        var footprints: [Int: WeightStorageFootprint] = [:]
        var weightBytes = 0, stateBytes = 0, spikeBufferBytes = 0
        for node in layerNodes {
            let kind = network.nodes[node].kind
            let elements = network.outputShapes[node].reduce(1, *)
            if let footprint = WeightStorageFootprint(of: network.nodes[node]) {
                let format = options.weightFormat ?? footprint.smallestFormat(valueBits: weightBits)
                formats[node] = format
                footprints[node] = footprint
                weightBytes += footprint.bytes(format, valueBits: weightBits)
            } else if case .scale(let values) = kind {
                weightBytes += (values.count * weightBits + 7) / 8
            }
            if kind.isNeuronPopulation { stateBytes += (elements * stateBits + 7) / 8 }
            if kind.emitsSpikes { spikeBufferBytes += elements * addressBits(elements) / 8 }
        }

        var placement: [String: String] = [:]
        var weightLevel: MemoryLevel?, stateLevel: MemoryLevel?, spikeLevel: MemoryLevel?
        let pricesMemory = profile.kind == .digital && !allIn && (!profile.memoryLevels.isEmpty || profile.dram != nil)
        if pricesMemory {
            weightLevel = try place(weightBytes, "weights", profile, &placement)
            stateLevel = try place(stateBytes, "state", profile, &placement)
            spikeLevel = try place(spikeBufferBytes, "spikes", profile, &placement)
        } else if allIn {
            pricing.notes.append("synop energy is all-in: memory, routing and static power are inside it and are not added"
                + (profile.energy["neuron_update_active"] == nil ? "; nor are neuron updates (no per-neuron figure published)" : ""))
        } else if profile.kind == .digital {
            pricing.notes.append("the profile has no memory levels: memory traffic is not priced")
        }

        var layers: [LayerEnergy] = []
        for (layer, node) in layerNodes.enumerated() {
            let kind = network.nodes[node].kind
            let synops = Double(counts.total(.synops, layer: layer))
            let macs = Double(counts.total(.macs, layer: layer))
            let updates = Double(counts.total(.neuronUpdates, layer: layer))
            let active = Double(counts.total(.activeNeuronUpdates, layer: layer))
            let biasAdds = Double(counts.total(.biasAdds, layer: layer))
            let spikes = Double(counts.total(.spikes, layer: layer))
            var energy: [EnergyComponent: Double] = [:]

            energy[.synops] = try synops * pricing.synop(needed: synops > 0)
            energy[.macs] = try macs * pricing.mac(needed: macs > 0)
            if !allIn {
                energy[.neuronUpdates] = try pricing.neuronUpdates(total: updates, active: active)
                energy[.biasAdds] = try biasAdds * pricing.biasAdd(needed: biasAdds > 0)
            } else if profile.energy["neuron_update_active"] != nil {
                // An all-in per-connection figure still leaves the per-neuron figure the profile publishes beside it.
                energy[.neuronUpdates] = try pricing.neuronUpdates(total: updates, active: active)
            }
            if let weightLevel {
                let operations = synops + macs
                energy[.weightReads] = operations * Double(weightBits) * perBit(weightLevel.read, weightLevel)
                if let format = formats[node], let footprint = footprints[node] {
                    energy[.indexReads] = operations * footprint.indexBitsPerNonZero(format) * perBit(weightLevel.read, weightLevel)
                }
            }
            if let stateLevel, kind.isNeuronPopulation {
                energy[.stateTraffic] = updates * Double(stateBits)
                    * (perBit(stateLevel.read, stateLevel) + perBit(stateLevel.writeOrRead, stateLevel))
            }
            if let spikeLevel, kind.emitsSpikes {
                let consumers = Double(network.nearestWorkingNodes(from: node, forward: true).count)
                let bits = Double(addressBits(network.outputShapes[node].reduce(1, *)))
                energy[.spikeTraffic] = spikes * bits
                    * (perBit(spikeLevel.writeOrRead, spikeLevel) + consumers * perBit(spikeLevel.read, spikeLevel))
            }
            if profile.kind == .neuromorphic && !allIn && kind.emitsSpikes {
                if let sent = profile.energy["spike_sent"] { energy[.spikesSent] = spikes * sent.picojoules }
                if let hops = options.routerHops?[network.nodes[node].name] {
                    energy[.routerHops] = Double(hops) * (try pricing.hop())
                }
            }
            layers.append(LayerEnergy(name: network.nodes[node].name, kind: kind.nirTypeName, picojoules: energy))
        }
        if profile.kind == .neuromorphic && !allIn && options.routerHops == nil {
            pricing.notes.append("router hops are not priced without a core mapping")
        }

        var staticPicojoules = 0.0
        // An all-in power figure is total power with activity, an alternative estimate rather than a term to add.
        if !allIn, let power = profile.staticPowerWatts, power.scope != .allIn {
            if let step = profile.timePerStepSeconds {
                // W × s = J; 1 J = 1e12 pJ.
                staticPicojoules = power.value * step.value * Double(counts.timesteps * counts.sampleCount) * 1e12
            } else {
                pricing.notes.append("static power is published but not the time per step: static energy is not priced")
            }
        }

        return EnergyReport(profile: profile.name, samples: counts.sampleCount, layers: layers, staticPicojoules: staticPicojoules,
                            placement: placement,
                            weightFormats: Dictionary(uniqueKeysWithValues: formats.map { (network.nodes[$0.key].name, $0.value.rawValue) }),
                            notes: pricing.notes)
    }

    /// Bits of a spike's address in a layer of `count` neurons: the smallest of 8, 16, 32 or 64 that holds it.
    static func addressBits(_ count: Int) -> Int {
        WeightStorageFootprint.indexBytes(toHold: max(count - 1, 0)) * 8
    }

    /// Energy per bit of an access: accesses are priced in proportion to the bits moved.
    static func perBit(_ constant: EnergyConstant, _ level: MemoryLevel) -> Double {
        constant.picojoules / Double(level.accessBits)
    }

    /// The smallest level whose capacity holds `bytes`, else DRAM.
    static func place(_ bytes: Int, _ what: String, _ profile: HardwareProfile,
                      _ placement: inout [String: String]) throws(LedgerError) -> MemoryLevel {
        if let level = profile.memoryLevels.first(where: { ($0.capacityBytes ?? .max) >= bytes }) ?? profile.dram {
            placement[what] = level.name
            return level
        }
        throw LedgerError(profile: profile.name, field: "memory",
                          message: "no memory level holds the \(what) (\(bytes) bytes) and the profile has no DRAM")
    }
}

/// Looks up the constants a count needs, failing with the profile and field when one is not published.
private struct Pricing {
    let profile: HardwareProfile
    var notes: [String] = []

    init(profile: HardwareProfile) {
        self.profile = profile
    }

    private func require(_ keys: [String], needed: Bool, for what: String) throws(LedgerError) -> Double {
        for key in keys { if let constant = profile.energy[key] { return constant.picojoules } }
        guard !needed else {
            throw LedgerError(profile: profile.name, field: "energy." + keys[0],
                              message: "not published in this profile, but the run has \(what) to price (looked for: \(keys.joined(separator: ", ")))")
        }
        return 0
    }

    /// One synaptic operation: the profile's per-synop figure, else (digital) one add.
    func synop(needed: Bool) throws(LedgerError) -> Double {
        try require(profile.kind == .neuromorphic ? ["synop"] : ["synop", "add"], needed: needed, for: "synaptic operations")
    }

    /// One MAC; digital profiles that publish a single per-connection figure (KerasSpiking's devices) use it for
    /// MACs too. A neuromorphic chip has no MAC energy: analog input must be encoded as spikes there.
    func mac(needed: Bool) throws(LedgerError) -> Double {
        try require(profile.kind == .digital ? ["mac", "synop"] : ["mac"], needed: needed,
                    for: "multiply-accumulates (analog inputs; on a neuromorphic profile encode the input as spikes)")
    }

    func biasAdd(needed: Bool) throws(LedgerError) -> Double {
        guard profile.kind == .digital else { return 0 }  // a chip applies the bias inside the neuron update
        return try require(["add"], needed: needed, for: "bias additions")
    }

    func hop() throws(LedgerError) -> Double {
        if let hop = profile.energy["router_hop"] { return hop.picojoules }
        if let eastWest = profile.energy["router_hop_ew"], let northSouth = profile.energy["router_hop_ns"] {
            return (eastWest.picojoules + northSouth.picojoules) / 2
        }
        throw LedgerError(profile: profile.name, field: "energy.router_hop", message: "not published, but the mapping routes spikes over hops")
    }

    /// Neuromorphic: active and idle updates at their own energies (idle at the active energy when unpublished).
    /// Digital: one add per update, or the profile's per-neuron figure.
    mutating func neuronUpdates(total: Double, active: Double) throws(LedgerError) -> Double {
        guard total > 0 else { return 0 }
        if let activeEnergy = profile.energy["neuron_update_active"] {
            if profile.kind == .neuromorphic, let idle = profile.energy["neuron_update_idle"] {
                return active * activeEnergy.picojoules + (total - active) * idle.picojoules
            }
            return total * activeEnergy.picojoules
        }
        return total * (try require(["add"], needed: true, for: "neuron updates"))
    }
}
