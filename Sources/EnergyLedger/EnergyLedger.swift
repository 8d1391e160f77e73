import CostAnalysis
import Foundation
import HardwareProfiles

/// Options of the pricing.
public struct LedgerOptions: Sendable {
    /// Store every weighted layer in this format; nil: each layer in its own smallest format.
    public var weightFormat: WeightStorageFormat?
    /// Router hops per layer name, from a core mapping (neuromorphic profiles); nil: hops not priced.
    public var routerHops: [String: Int]?
    /// How weights reach the arithmetic: reuse through tiles (default), or the reuse-free upper bound.
    public var memoryModel: MemoryModel
    /// Spikes each sample injects from the host into the chip (the encoded input), when the caller counts them;
    /// nil: host injection is not priced (a note says so).
    public var hostInputSpikesPerSample: [Int]?
    /// Cores that receive spikes injected by the host (a core mapping's input layout), for a profile with a host loop;
    /// nil: the first neuron population's cores (``TimeModel/defaultHostInputCores(_:profile:)``).
    public var hostInputCores: Int?
    /// Chips the network occupies (a core mapping's count), for a profile whose static power is per chip; nil: the
    /// neurons' share of a chip, rounded up (``EnergyLedger/defaultChips(_:profile:)``), and a note says so.
    public var chips: Int?

    public init(weightFormat: WeightStorageFormat? = nil, routerHops: [String: Int]? = nil, memoryModel: MemoryModel = .reuse,
                hostInputSpikesPerSample: [Int]? = nil, hostInputCores: Int? = nil, chips: Int? = nil) {
        self.chips = chips
        self.weightFormat = weightFormat
        self.routerHops = routerHops
        self.memoryModel = memoryModel
        self.hostInputSpikesPerSample = hostInputSpikesPerSample
        self.hostInputCores = hostInputCores
    }
}

/// Prices exact counts under a hardware profile. Every formula is in docs/energy-ledger.md. Pure: it reads plain
/// per-sample counts, a layout and the profile's typed constants, and knows nothing of the simulator or of files.
public enum EnergyLedger {
    public static func price(_ counts: LayerCountTable, layout: LedgerLayout, profile: HardwareProfile,
                             options: LedgerOptions = LedgerOptions()) throws(LedgerError) -> EnergyReport {
        guard layout.layers.map(\.name) == counts.layerNames else {
            throw LedgerError(profile: profile.name, field: "layers", message: "the layout's layers are not the counts' layers")
        }
        let constants = profile.constants
        var pricing = Pricing(profile: profile)
        let weightBits = profile.weightPrecision.bits
        let stateBits = profile.statePrecision.bits
        let allIn = constants.synopIsAllIn

        // Storage formats and the sizes that decide where data live.
        var formats: [Int: WeightStorageFormat] = [:]
        var weightBytes = 0, stateBytes = 0, spikeBufferBytes = 0
        var layerBytes: [Int: Int] = [:], tileBytes: [Int: Int] = [:]
        for (index, layer) in layout.layers.enumerated() {
            if let footprint = layer.footprint {
                let format = options.weightFormat ?? footprint.smallestFormat(valueBits: weightBits)
                formats[index] = format
                let bytes = footprint.bytes(format, valueBits: weightBits)
                layerBytes[index] = bytes
                // A tile: one output unit's incoming weights (a convolution's output channel, a dense row).
                tileBytes[index] = (bytes + footprint.rows - 1) / max(footprint.rows, 1)
                weightBytes += bytes
            } else if layer.scaleValues > 0 {
                let bytes = (layer.scaleValues * weightBits + 7) / 8
                layerBytes[index] = bytes
                tileBytes[index] = bytes
                weightBytes += bytes
            }
            if layer.isNeuronPopulation { stateBytes += (layer.elements * stateBits + 7) / 8 }
            if layer.emitsSpikes { spikeBufferBytes += layer.elements * addressBits(layer.elements) / 8 }
        }

        var placement: [String: String] = [:]
        var weightLevel: MemoryLevel?, stateLevel: MemoryLevel?, spikeLevel: MemoryLevel?
        var useLevels: [Int: MemoryLevel] = [:]  // where each use of a layer's weights reads
        let pricesMemory = profile.kind == .digital && !allIn && (!profile.memoryLevels.isEmpty || profile.dram != nil)
        if pricesMemory {
            switch options.memoryModel {
            case .noReuse:
                weightLevel = try place(weightBytes, "weights", profile, &placement)
                stateLevel = try place(stateBytes, "state", profile, &placement)
                spikeLevel = try place(spikeBufferBytes, "spikes", profile, &placement)
                for index in layerBytes.keys { useLevels[index] = weightLevel }
                pricing.notes.append("memory model no-reuse: every use reads its weight from the level holding all weights (an upper bound)")
            case .reuse:
                // Bits each kind of data moves over the run, which orders the placement (denser data nearer).
                var stateBits = 0.0, spikeBits = 0.0
                for (index, layer) in layout.layers.enumerated() {
                    if layer.isNeuronPopulation { stateBits += Double(counts.total(.neuronUpdates, layer: index) * 2 * profile.statePrecision.bits) }
                    if layer.emitsSpikes {
                        spikeBits += Double(counts.total(.spikes, layer: index) * addressBits(layer.elements) * (1 + layer.spikeConsumers))
                    }
                }
                let joint = try MemoryPlacement.joint(stateBytes: stateBytes, spikeBytes: spikeBufferBytes, weightBytes: weightBytes,
                                                      tileBytes: tileBytes, stateBitsAccessed: stateBits, spikeBitsAccessed: spikeBits,
                                                      profile: profile)
                (weightLevel, stateLevel, spikeLevel) = (joint.weightsHome, joint.state, joint.spikes)
                useLevels = joint.tiles
                placement = ["weights": joint.weightsHome.name, "state": joint.state.name, "spikes": joint.spikes.name]
                let home = joint.weightsHome
                let passes = Double((layout.stepMajor ? counts.timesteps : 1) * counts.sampleCount)
                for (index, tile) in joint.tiles where tile != home {
                    // A layer whose weights are used too few times to pay for the copy bypasses its tile (as a
                    // Timeloop mapping may bypass a level): each use then reads from the home.
                    let uses = Double(counts.total(.synops, layer: index) + counts.total(.macs, layer: index))
                    let bitsPerUse = Double(weightBits) + (formats[index].flatMap { format in
                        layout.layers[index].footprint.map { $0.indexBitsPerNonZero(format) } } ?? 0)
                    let streamed = passes * Double(layerBytes[index]! * 8) * (home.readPicojoulesPerBit + tile.writePicojoulesPerBit)
                        + uses * bitsPerUse * tile.readPicojoulesPerBit
                    if uses * bitsPerUse * home.readPicojoulesPerBit <= streamed {
                        useLevels[index] = home
                        placement["tile:" + layout.layers[index].name] = "bypass (each use reads \(home.name))"
                    }
                }
                for (index, level) in useLevels where placement["tile:" + layout.layers[index].name] == nil {
                    placement["tile:" + layout.layers[index].name] = level.name
                }
                pricing.notes.append("memory model reuse: weights streamed once per \(layout.stepMajor ? "step" : "inference") from "
                    + "\(joint.weightsHome.name) into tiles, each use read from its layer's tile level (docs/energy-ledger.md)")
            }
            let tileLevels = useLevels.keys.sorted().map { useLevels[$0]! }
            for level in [weightLevel, stateLevel, spikeLevel].compactMap({ $0 }) + tileLevels { pricing.use(level) }
        } else if allIn {
            pricing.notes.append("synop energy is all-in: memory, routing and static power are inside it and are not added"
                + (constants.neuronUpdateActive == nil ? "; nor are neuron updates (no per-neuron figure published)" : ""))
        } else if profile.kind == .digital {
            pricing.notes.append("the profile has no memory levels: memory traffic is not priced")
        }

        // Per layer, each component as picojoules per unit of the counts it grows with (linear in the counts).
        var layers: [LayerEnergy] = []
        var perSample = Dictionary(uniqueKeysWithValues: EnergyComponent.allCases.map {
            ($0, [Double](repeating: 0, count: counts.sampleCount))
        })
        for (index, layer) in layout.layers.enumerated() {
            let total = { (metric: LayerCountTable.Metric) in Double(counts.total(metric, layer: index)) }
            let rates = try rates(for: layer, index: index, counts: counts, pricing: &pricing, formats: formats,
                                  weightLevel: useLevels[index], stateLevel: stateLevel, spikeLevel: spikeLevel,
                                  weightBits: weightBits, stateBits: stateBits, allIn: allIn, options: options)
            var energy: [EnergyComponent: Double] = [:]
            for (component, terms) in rates {
                energy[component] = terms.reduce(0.0) { $0 + total($1.metric) * $1.picojoules }
                for sample in 0..<counts.sampleCount {
                    perSample[component]![sample] += terms.reduce(0.0) {
                        $0 + Double(counts.value($1.metric, sample: sample, layer: index)) * $1.picojoules
                    }
                }
            }
            if options.memoryModel == .reuse, let home = weightLevel, let tile = useLevels[index], tile != home, let bytes = layerBytes[index] {
                // Streamed once per inference (per step for step-major networks): read at home, written into the tile.
                let passes = layout.stepMajor ? counts.timesteps : 1
                let perSampleStream = Double(bytes * 8 * passes) * (home.readPicojoulesPerBit + tile.writePicojoulesPerBit)
                energy[.weightStreaming] = perSampleStream * Double(counts.sampleCount)
                for sample in 0..<counts.sampleCount { perSample[.weightStreaming]![sample] += perSampleStream }
            }
            if let hops = options.routerHops?[layer.name], profile.kind == .neuromorphic, !allIn, layer.emitsSpikes {
                let hopEnergy = Double(hops) * (try pricing.hop())
                energy[.routerHops] = hopEnergy
                // The mapping gives the run's hops per layer; a sample's share follows its share of the layer's spikes.
                let spikes = total(.spikes)
                if spikes > 0 {
                    for sample in 0..<counts.sampleCount {
                        perSample[.routerHops]![sample] += hopEnergy * Double(counts.value(.spikes, sample: sample, layer: index)) / spikes
                    }
                }
            }
            layers.append(LayerEnergy(name: layer.name, kind: layer.kind, picojoules: energy))
        }
        if profile.kind == .neuromorphic && !allIn && options.routerHops == nil {
            pricing.notes.append("router hops are not priced without a core mapping")
        }

        if let cores = options.hostInputCores, cores < 1 {
            throw LedgerError(profile: profile.name, field: "host.input_core_s",
                              message: "\(cores) cores receiving host input given; a host-fed network has at least 1")
        }
        let timing = TimeModel.timing(counts, layout: layout, profile: profile, hostInputCores: options.hostInputCores)
        if let timing {
            pricing.notes.append("time model: \(formatSeconds(timing.stepSeconds)) per step (\(timing.basis)), "
                + "\(formatSeconds(timing.latencySeconds)) per inference")
            if let cores = timing.hostInputCores, options.hostInputCores == nil {
                pricing.notes.append("host loop: cores receiving host input taken as \(cores), the first neuron population's "
                    + "(no mapping given); input spread over more cores makes every step longer")
            }
        } else if profile.kind == .neuromorphic {
            pricing.notes.append("the profile publishes no latencies and no tick: no time model, so no latency, power or static energy")
        }

        var staticPicojoules = 0.0
        var powerBased: Double?
        // An all-in power figure is total power with activity, an alternative estimate rather than a term to add.
        if let power = profile.staticPowerWatts {
            if let timing {
                var poweredChips = 1
                if profile.staticPowerBoundary.perChip {
                    if let chips = options.chips, chips < 1 {
                        throw LedgerError(profile: profile.name, field: "static_power_w",
                                          message: "\(chips) chips given; a network occupies at least 1")
                    }
                    poweredChips = options.chips ?? Self.defaultChips(layout, profile: profile)
                    pricing.notes.append("static power is per chip: \(power.value) W × \(poweredChips) chip\(poweredChips == 1 ? "" : "s") × latency"
                        + (options.chips == nil ? " (chips taken as the neurons' share of a chip, rounded up: no mapping given)" : " (chips from the mapping)"))
                }
                // W × s = J; 1 J = 1e12 pJ.
                let perSampleStatic = power.value * Double(poweredChips) * timing.latencySeconds * 1e12
                if power.scope == .allIn {
                    powerBased = perSampleStatic
                    pricing.notes.append("static_power_w is all-in (total chip power): power × latency = "
                        + "\(Int(perSampleStatic.rounded())) pJ per inference is the whole-chip alternative, not added")
                } else if !allIn {
                    staticPicojoules = perSampleStatic * Double(counts.sampleCount)
                    perSample[.staticEnergy] = [Double](repeating: perSampleStatic, count: counts.sampleCount)
                    pricing.used.append(SourcedConstant(field: profile.staticPowerBoundary.perChip ? "static_power_w × chips × latency" : "static_power_w × latency",
                                                        picojoules: perSampleStatic,
                                                        scope: power.scope, source: power.source))
                }
            } else if !allIn {
                pricing.notes.append("static power is published but there is no time model: static energy is not priced")
            }
        } else if profile.kind == .neuromorphic, timing != nil {
            pricing.notes.append("no static power published: static energy is not priced (not zero: unknown)")
        }
        if let line = regimeNote(counts, layout: layout, profile: profile, timing: timing, powerBased: &powerBased) {
            pricing.notes.append(line)
        }

        var stepFixedPicojoules = 0.0
        if !allIn, let fixed = constants.stepFixed {
            pricing.use(fixed)
            let perSampleFixed = fixed.picojoules * Double(counts.timesteps)
            stepFixedPicojoules = perSampleFixed * Double(counts.sampleCount)
            perSample[.stepFixed] = [Double](repeating: perSampleFixed, count: counts.sampleCount)
        }
        if !allIn, let power = profile.host.managementPower {
            // The management cores run for the whole step, however long the host loop makes it: power × latency
            // (W × s = J; 1 J = 1e12 pJ), added to the per-step system term.
            if let timing {
                let perSampleManagement = power.value * timing.latencySeconds * 1e12
                stepFixedPicojoules += perSampleManagement * Double(counts.sampleCount)
                perSample[.stepFixed] = (perSample[.stepFixed] ?? [Double](repeating: 0, count: counts.sampleCount)).map { $0 + perSampleManagement }
                pricing.used.append(SourcedConstant(field: "host.management_power_w × latency", picojoules: perSampleManagement,
                                                    scope: power.scope, source: power.source))
            } else {
                pricing.notes.append("management-core power is published but there is no time model: it is not priced")
            }
        }

        var hostInputPicojoules = 0.0
        if profile.kind == .neuromorphic && !allIn {
            hostInputPicojoules = try priceHostIO(counts, layout: layout, profile: profile, options: options, pricing: &pricing,
                                                  layers: &layers, perSample: &perSample)
        }

        var report = EnergyReport(profile: profile.name, samples: counts.sampleCount, layers: layers, staticPicojoules: staticPicojoules,
                                  perSamplePicojoules: perSample, placement: placement,
                                  weightFormats: Dictionary(uniqueKeysWithValues: formats.map { (layout.layers[$0.key].name, $0.value.rawValue) }),
                                  constantsUsed: pricing.used, notes: pricing.notes, stepFixedPicojoules: stepFixedPicojoules,
                                  timing: timing, powerBasedPicojoulesPerInference: powerBased, hostInputPicojoules: hostInputPicojoules)
        let ranged = profile.rangedFields
        if !ranged.isEmpty {
            // Sources disagree: price the same counts with every disputed figure at its low end, then at its high end.
            let low = try price(counts, layout: layout, profile: profile.at(.low), options: options)
            let high = try price(counts, layout: layout, profile: profile.at(.high), options: options)
            report.range = EnergyRange(fields: ranged, lowPicojoulesPerInference: low.energyPerInferencePicojoules,
                                       highPicojoulesPerInference: high.energyPerInferencePicojoules,
                                       lowDynamicPicojoulesPerInference: low.dynamicEnergyPerInferencePicojoules,
                                       highDynamicPicojoulesPerInference: high.dynamicEnergyPerInferencePicojoules)
            report.notes.append("range: sources disagree on \(ranged.joined(separator: ", ")); with each at its low / high source the "
                + "energy per inference is \(Self.microjoules(low.energyPerInferencePicojoules)) – "
                + "\(Self.microjoules(high.energyPerInferencePicojoules)) (nominal \(Self.microjoules(report.energyPerInferencePicojoules)))")
        }
        return report
    }

    /// Chips a network needs when no mapping says: its neuron populations' elements over one chip's neurons, rounded
    /// up, at least 1 (a lower bound: a mapping that meets the cores' other limits may need more).
    public static func defaultChips(_ layout: LedgerLayout, profile: HardwareProfile) -> Int {
        guard let cores = profile.cores, let perCore = cores.neuronsPerCore else { return 1 }
        let perChip = perCore * (cores.coresPerChip ?? cores.count)
        let neurons = layout.layers.filter(\.isNeuronPopulation).reduce(0) { $0 + $1.elements }
        return max(1, (neurons + perChip - 1) / max(perChip, 1))
    }

    /// Picojoules as microjoules with four significant digits, for notes a person reads.
    static func microjoules(_ picojoules: Double) -> String {
        "\(String(format: "%.4g", picojoules / 1e6)) µJ"
    }

    /// The regime note (docs/energy-ledger.md, "Regime warnings"): the profile's fitted or all-in constants were
    /// calibrated on one network at one activity; a network far from it (more than ``CalibrationPoint/regimeFactor``
    /// either way in neurons or in spikes per neuron per step) is warned about, with the power-based alternative
    /// (calibration power × latency, else an all-in static power × latency) beside it.
    static func regimeNote(_ counts: LayerCountTable, layout: LedgerLayout, profile: HardwareProfile, timing: InferenceTiming?,
                           powerBased: inout Double?) -> String? {
        guard let calibration = profile.calibration else { return nil }
        let neurons = layout.layers.filter(\.isNeuronPopulation).reduce(0) { $0 + $1.elements }
        let factor = CalibrationPoint.regimeFactor
        let far = { (ratio: Double) in ratio > factor || ratio < 1 / factor }
        var reasons: [String] = []
        if let calibrated = calibration.neurons {
            let ratio = Double(neurons) / Double(calibrated)
            if far(ratio) { reasons.append("\(neurons) neurons against \(calibrated) (×\(String(format: "%.2g", ratio)))") }
        }
        if let calibrated = calibration.spikesPerNeuronPerStep {
            let spikingNeurons = layout.layers.filter { $0.isNeuronPopulation && $0.emitsSpikes }.reduce(0) { $0 + $1.elements }
            let runs = Double(spikingNeurons * counts.timesteps * counts.sampleCount)
            if runs > 0 {
                let rate = Double(counts.total(.spikes)) / runs
                if far(rate / calibrated) {
                    reasons.append("\(String(format: "%.2g", rate)) spikes per neuron per step against \(calibrated)")
                }
            }
        }
        let unpublished = calibration.neurons == nil && calibration.spikesPerNeuronPerStep == nil
        guard !reasons.isEmpty || unpublished else { return nil }
        var line = "regime: \(calibration.fields.joined(separator: ", ")) come from one calibration point (\(calibration.source)); "
            + (unpublished ? "that point's network size and activity are unpublished, so how far this network is from it cannot be told"
                           : "this network has \(reasons.joined(separator: "; ")), so they may not transfer")
        if let power = calibration.power, let timing {
            // W × s = J; 1 J = 1e12 pJ.
            let alternative = power.value * timing.latencySeconds * 1e12
            powerBased = powerBased ?? alternative
            line += "; power-based alternative: \(power.value) W × latency = \(Int(alternative.rounded())) pJ per inference"
        } else if let powerBased {
            line += "; power-based alternative: \(Int(powerBased.rounded())) pJ per inference"
        } else {
            line += "; no power-based alternative: the system's power is unpublished"
        }
        return line
    }

    /// Host I/O (docs/energy-ledger.md, "Host injection and read-out"): `host_output_spike` per spike of a spiking
    /// layer that no node reads (the host reads it out, attributed to that layer), `host_input_spike` per spike the
    /// caller says each sample injects. Unpublished figures are not priced and a note says so (unknown, not zero).
    private static func priceHostIO(_ counts: LayerCountTable, layout: LedgerLayout, profile: HardwareProfile, options: LedgerOptions,
                                    pricing: inout Pricing, layers: inout [LayerEnergy],
                                    perSample: inout [EnergyComponent: [Double]]) throws(LedgerError) -> Double {
        let constants = profile.constants
        var unpriced: [String] = []
        let outputs = layout.layers.indices.filter { layout.layers[$0].emitsSpikes && layout.layers[$0].spikeConsumers == 0 }
        if let readOut = constants.hostOutputSpike {
            pricing.use(readOut)
            for index in outputs {
                var energy = layers[index].picojoules
                energy[.hostOutput] = Double(counts.total(.spikes, layer: index)) * readOut.picojoules
                layers[index] = LayerEnergy(name: layers[index].name, kind: layers[index].kind, picojoules: energy)
                for sample in 0..<counts.sampleCount {
                    perSample[.hostOutput]![sample] += Double(counts.value(.spikes, sample: sample, layer: index)) * readOut.picojoules
                }
            }
        } else if !outputs.isEmpty {
            unpriced.append("read-out of output spikes (no energy.host_output_spike published)")
        }
        var total = 0.0
        if let inject = constants.hostInputSpike {
            if let spikes = options.hostInputSpikesPerSample {
                guard spikes.count == counts.sampleCount else {
                    throw LedgerError(profile: profile.name, field: "energy.host_input_spike",
                                      message: "\(spikes.count) input spike counts given for \(counts.sampleCount) samples")
                }
                pricing.use(inject)
                perSample[.hostInput] = spikes.map { Double($0) * inject.picojoules }
                total = perSample[.hostInput]!.reduce(0, +)
            } else {
                unpriced.append("host injection of input spikes (the input spike count was not given to the ledger)")
            }
        } else {
            unpriced.append("host injection of input spikes (no energy.host_input_spike published)")
        }
        if !unpriced.isEmpty {
            pricing.notes.append("not priced (unknown, not zero): " + unpriced.joined(separator: "; ")
                + (constants.stepFixed != nil ? "; the per-step system cost (step_fixed) includes the host I/O of its calibration run" : "")
                + (profile.host.managementPower != nil ? "; the management cores' power × latency covers the host loop's energy on the chip's side" : ""))
        }
        return total
    }

    /// Seconds in the largest unit that keeps the number ≥ 1 (s, ms, µs, ns).
    static func formatSeconds(_ seconds: Double) -> String {
        let units: [(Double, String)] = [(1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")]
        let (scale, unit) = units.first { seconds >= $0.0 } ?? (1e-9, "ns")
        return String(format: "%.3g ", seconds / scale) + unit
    }

    /// The components of one layer as sums of (count × picojoules per unit).
    private static func rates(for layer: LedgerLayout.Layer, index: Int, counts: LayerCountTable, pricing: inout Pricing,
                              formats: [Int: WeightStorageFormat], weightLevel: MemoryLevel?, stateLevel: MemoryLevel?,
                              spikeLevel: MemoryLevel?, weightBits: Int, stateBits: Int, allIn: Bool,
                              options: LedgerOptions) throws(LedgerError) -> [(EnergyComponent, [RateTerm])] {
        let profile = pricing.profile
        let has = { (metric: LayerCountTable.Metric) in counts.total(metric, layer: index) > 0 }
        var result: [(EnergyComponent, [RateTerm])] = []
        result.append((.synops, [RateTerm(metric: .synops, picojoules: try pricing.synop(needed: has(.synops)))]))
        result.append((.macs, [RateTerm(metric: .macs, picojoules: try pricing.mac(needed: has(.macs)))]))
        let updatesInStatic = profile.kind == .neuromorphic && profile.constants.neuronUpdateActive == nil
            && profile.staticPowerBoundary.coversNeuronUpdates && profile.staticPowerWatts?.scope == .marginal
        if updatesInStatic {
            // Every neuron is updated every tick whatever the activity: that energy is inside the static power.
            if has(.neuronUpdates) && !pricing.notes.contains(Pricing.updatesInStaticNote) { pricing.notes.append(Pricing.updatesInStaticNote) }
        } else if !allIn || profile.constants.neuronUpdateActive != nil {
            // An all-in per-connection figure still leaves the per-neuron figure the profile publishes beside it.
            result.append((.neuronUpdates, try pricing.neuronUpdates(needed: has(.neuronUpdates))))
        }
        if !allIn {
            result.append((.biasAdds, [RateTerm(metric: .biasAdds, picojoules: try pricing.biasAdd(needed: has(.biasAdds)))]))
        }
        if let weightLevel {
            let perBit = weightLevel.readPicojoulesPerBit
            let perOperation = Double(weightBits) * perBit
            result.append((.weightReads, [RateTerm(metric: .synops, picojoules: perOperation), RateTerm(metric: .macs, picojoules: perOperation)]))
            if let format = formats[index], let footprint = layer.footprint {
                let perIndex = footprint.indexBitsPerNonZero(format) * perBit
                result.append((.indexReads, [RateTerm(metric: .synops, picojoules: perIndex), RateTerm(metric: .macs, picojoules: perIndex)]))
            }
        }
        if let stateLevel, layer.isNeuronPopulation {
            result.append((.stateTraffic, [RateTerm(metric: .neuronUpdates,
                                                picojoules: Double(stateBits) * (stateLevel.readPicojoulesPerBit + stateLevel.writePicojoulesPerBit))]))
        }
        if let spikeLevel, layer.emitsSpikes {
            let bits = Double(addressBits(layer.elements))
            result.append((.spikeTraffic, [RateTerm(metric: .spikes, picojoules: bits
                * (spikeLevel.writePicojoulesPerBit + Double(layer.spikeConsumers) * spikeLevel.readPicojoulesPerBit))]))
        }
        if profile.kind == .neuromorphic && !allIn && layer.emitsSpikes, let sent = profile.constants.spikeSent {
            pricing.use(sent)
            result.append((.spikesSent, [RateTerm(metric: .spikes, picojoules: sent.picojoules)]))
        }
        if profile.kind == .neuromorphic && !allIn && layer.emitsSpikes && layer.spikeConsumers > 0, let message = profile.constants.axonMessage {
            // One message per destination core; each consuming node is taken to hold a spike's targets on one core (a
            // lower bound when a consumer spans several cores; docs/energy-ledger.md).
            pricing.use(message)
            result.append((.axonMessages, [RateTerm(metric: .spikes, picojoules: message.picojoules * Double(layer.spikeConsumers))]))
        }
        return result
    }

    /// Bits of a spike's address in a layer of `count` neurons: the smallest of 8, 16, 32 or 64 that holds it.
    static func addressBits(_ count: Int) -> Int {
        WeightStorageFootprint.indexBytes(toHold: max(count - 1, 0)) * 8
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

/// One term of a component: picojoules per unit of a count.
private struct RateTerm {
    let metric: LayerCountTable.Metric
    let picojoules: Double
}

/// Picks the constants a count needs from the profile's typed fields, failing with the profile and field when one is
/// not published, and records every constant used.
private struct Pricing {
    let profile: HardwareProfile
    var notes: [String] = []
    /// Every constant used, in first-use order.
    var used: [SourcedConstant] = []

    init(profile: HardwareProfile) {
        self.profile = profile
    }

    static let updatesInStaticNote = "neuron updates are inside the static power (static_power_w covers them: the chip updates "
        + "every neuron every tick whatever the activity), so they are not priced again per update"

    mutating func use(_ constant: SourcedConstant) {
        if !used.contains(where: { $0.field == constant.field }) { used.append(constant) }
    }

    mutating func use(_ level: MemoryLevel) {
        use(SourcedConstant(field: "memory.\(level.name).read (per \(level.accessBits) bits)", picojoules: level.read.picojoules,
                            scope: level.read.scope, source: level.read.source))
        if let write = level.write {
            use(SourcedConstant(field: "memory.\(level.name).write (per \(level.accessBits) bits)", picojoules: write.picojoules,
                                scope: write.scope, source: write.source))
        }
    }

    private mutating func require(_ candidates: [SourcedConstant?], fields: [String], needed: Bool, for what: String) throws(LedgerError) -> Double {
        if let constant = candidates.lazy.compactMap({ $0 }).first {
            if needed { use(constant) }
            return constant.picojoules
        }
        guard !needed else {
            throw LedgerError(profile: profile.name, field: fields[0],
                              message: "not published in this profile, but the run has \(what) to price (looked for: \(fields.joined(separator: ", ")))")
        }
        return 0
    }

    /// One synaptic operation: the profile's per-synop figure, else (digital) one add.
    mutating func synop(needed: Bool) throws(LedgerError) -> Double {
        let constants = profile.constants
        return profile.kind == .neuromorphic
            ? try require([constants.synop], fields: ["energy.synop"], needed: needed, for: "synaptic operations")
            : try require([constants.synop, constants.add], fields: ["energy.synop", "energy.add"], needed: needed, for: "synaptic operations")
    }

    /// One MAC; digital profiles that publish a single per-connection figure (KerasSpiking's devices) use it for
    /// MACs too. A neuromorphic chip has no MAC energy: analog input must be encoded as spikes there.
    mutating func mac(needed: Bool) throws(LedgerError) -> Double {
        let constants = profile.constants
        let what = "multiply-accumulates (analog inputs; on a neuromorphic profile encode the input as spikes)"
        return profile.kind == .digital
            ? try require([constants.mac, constants.synop], fields: ["energy.mac", "energy.synop"], needed: needed, for: what)
            : try require([constants.mac], fields: ["energy.mac"], needed: needed, for: what)
    }

    mutating func biasAdd(needed: Bool) throws(LedgerError) -> Double {
        guard profile.kind == .digital else { return 0 }  // a chip applies the bias inside the neuron update
        return try require([profile.constants.add], fields: ["energy.add"], needed: needed, for: "bias additions")
    }

    mutating func hop() throws(LedgerError) -> Double {
        let constants = profile.constants
        if let hop = constants.routerHop {
            use(hop)
            return hop.picojoules
        }
        if let eastWest = constants.routerHopEastWest, let northSouth = constants.routerHopNorthSouth {
            use(eastWest)
            use(northSouth)
            return (eastWest.picojoules + northSouth.picojoules) / 2
        }
        throw LedgerError(profile: profile.name, field: "energy.router_hop", message: "not published, but the mapping routes spikes over hops")
    }

    /// Neuromorphic: active and idle updates at their own energies (idle at the active energy when unpublished).
    /// Digital: one add per update, or the profile's per-neuron figure.
    mutating func neuronUpdates(needed: Bool) throws(LedgerError) -> [RateTerm] {
        let constants = profile.constants
        guard needed else { return [] }
        if let active = constants.neuronUpdateActive {
            use(active)
            if profile.kind == .neuromorphic, let idle = constants.neuronUpdateIdle {
                use(idle)
                // active × E_active + (all − active) × E_idle.
                return [.init(metric: .activeNeuronUpdates, picojoules: active.picojoules - idle.picojoules),
                        .init(metric: .neuronUpdates, picojoules: idle.picojoules)]
            }
            return [.init(metric: .neuronUpdates, picojoules: active.picojoules)]
        }
        return [.init(metric: .neuronUpdates, picojoules: try require([constants.add], fields: ["energy.add"], needed: true, for: "neuron updates"))]
    }
}
