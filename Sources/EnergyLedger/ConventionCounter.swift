import HardwareProfiles

/// Counts a run under every convention of `CountingConvention`, from plain per-sample counts and the network's
/// layout, and prices the conventions that have an energy form. Formulas: docs/energy-ledger.md.
public enum ConventionCounter {
    /// Every convention, in `CountingConvention.allCases` order.
    public static func count(_ counts: LayerCountTable, layout: ConventionLayout) -> [ConventionReport] {
        CountingConvention.allCases.map { count(counts, layout: layout, as: $0) }
    }

    public static func count(_ counts: LayerCountTable, layout: ConventionLayout, as convention: CountingConvention) -> ConventionReport {
        let layers = counts.layerCount
        let samples = counts.sampleCount
        func table(_ name: String, _ units: String, integer: Bool, _ value: (Int, Int) -> Double) -> ConventionQuantity {
            var values = [Double](repeating: 0, count: samples * layers)
            for sample in 0..<samples {
                for layer in 0..<layers { values[sample * layers + layer] = value(sample, layer) }
            }
            return ConventionQuantity(name: name, units: units, perSample: values, isInteger: integer, layerCount: layers)
        }
        func report(_ quantities: [ConventionQuantity], unavailable: String? = nil) -> ConventionReport {
            ConventionReport(convention: convention, layerNames: counts.layerNames, sampleCount: samples, timesteps: counts.timesteps,
                             quantities: unavailable == nil ? quantities : [], unavailable: unavailable)
        }
        switch convention {
        case .seedEq12:
            if let layer = layout.seedEq12Factors.firstIndex(where: { $0 == nil }) {
                return report([], unavailable: layout.seedEq12Ambiguities[layer]!)
            }
            return report([table("accumulates", "accumulates of spikes from spiking layers, fan-out ÷ pool windows on the way (Eq. 12)",
                                 integer: false) { sample, layer in
                Double(counts.value(.synops, sample: sample, layer: layer)) * layout.seedEq12Factors[layer]!
            }])
        case .syopsCounter:
            return report([
                table("synops", "synaptic operations (every spike × the non-zero weights it meets, full fan-out through pools)",
                      integer: true) { Double(counts.value(.synops, sample: $0, layer: $1)) },
                table("macs", "effective multiply-accumulates (non-zero analog inputs × non-zero weights)",
                      integer: true) { Double(counts.value(.macs, sample: $0, layer: $1)) },
            ])
        case .kerasSpiking:
            return report([
                table("connections", "KerasSpiking connections, once per inference", integer: true) { _, layer in Double(layout.kerasConnections[layer]) },
                table("neurons", "KerasSpiking neuron updates, once per inference", integer: true) { _, layer in Double(layout.kerasNeurons[layer]) },
            ])
        case .neurobench:
            guard counts.perSample[.neurobenchACs] != nil || counts.perSample[.neurobenchMACs] != nil else {
                return report([], unavailable: "the counts have no neurobench_acs / neurobench_macs (written by NeuroCost 0.2 and later)")
            }
            return report([
                table("effective_acs", "NeuroBench Effective_ACs", integer: true) { Double(counts.value(.neurobenchACs, sample: $0, layer: $1)) },
                table("effective_macs", "NeuroBench Effective_MACs", integer: true) { Double(counts.value(.neurobenchMACs, sample: $0, layer: $1)) },
                table("dense", "NeuroBench Dense: every weight × every input position read (padding excluded), every step",
                      integer: true) { _, layer in Double(layout.neurobenchDensePerStep[layer] * counts.timesteps) },
            ])
        }
    }

    /// The energy form of a convention under `profile`: Eq. 12 accumulates × E_AC; syops-counter synops × E_AC +
    /// MACs × E_MAC. E_AC is the profile's `add`, else its `synop`. Nil for NeuroBench (it defines no energy) and when
    /// the convention is unavailable.
    /// - Throws: `LedgerError` naming the constant when the profile does not publish one the counts need.
    public static func energy(_ report: ConventionReport, profile: HardwareProfile) throws(LedgerError) -> ConventionEnergy? {
        guard report.unavailable == nil else { return nil }
        let layers = report.layerNames.count
        func accumulate() throws(LedgerError) -> (String, Double) {
            if let constant = profile.constants.accumulate { return (constant.field, constant.picojoules) }
            throw LedgerError(profile: profile.name, field: "energy.add",
                              message: "\(report.convention.rawValue) needs an accumulate energy (add or synop); the profile publishes neither")
        }
        switch report.convention {
        case .neurobench:
            return nil
        case .kerasSpiking:
            // KerasSpiking's devices publish one figure per synop and one per neuron update.
            let constants = profile.constants
            guard let synop = constants.synop ?? constants.mac else {
                throw LedgerError(profile: profile.name, field: "energy.synop",
                                  message: "keras_spiking prices connections per synop; the profile publishes no synop or mac energy")
            }
            let neuron = constants.neuronUpdateActive ?? synop
            let connections = report.quantity("connections")!, neurons = report.quantity("neurons")!
            let values = zip(connections.perSample, neurons.perSample).map { $0 * synop.picojoules + $1 * neuron.picojoules }
            return ConventionEnergy(convention: .kerasSpiking, profile: profile.name, perSamplePicojoules: values, layerCount: layers,
                                    constants: [(synop.field, synop.picojoules), (neuron.field, neuron.picojoules)])
        case .seedEq12:
            let accumulates = report.quantity("accumulates")!
            guard accumulates.perSample.contains(where: { $0 != 0 }) else {
                let constant = try? accumulate()
                return ConventionEnergy(convention: .seedEq12, profile: profile.name, perSamplePicojoules: accumulates.perSample.map { _ in 0 },
                                        layerCount: layers, constants: constant.map { [$0] } ?? [])
            }
            let (name, picojoules) = try accumulate()
            return ConventionEnergy(convention: .seedEq12, profile: profile.name,
                                    perSamplePicojoules: accumulates.perSample.map { $0 * picojoules }, layerCount: layers,
                                    constants: [(name, picojoules)])
        case .syopsCounter:
            let synops = report.quantity("synops")!, macs = report.quantity("macs")!
            var constants: [(name: String, picojoules: Double)] = []
            var accumulatePicojoules = 0.0, macPicojoules = 0.0
            if synops.perSample.contains(where: { $0 != 0 }) {
                let (name, value) = try accumulate()
                constants.append((name, value))
                accumulatePicojoules = value
            }
            if macs.perSample.contains(where: { $0 != 0 }) {
                guard let mac = profile.constants.mac else {
                    throw LedgerError(profile: profile.name, field: "energy.mac",
                                      message: "syops_counter prices the run's MACs (analog inputs), but the profile publishes no MAC energy")
                }
                constants.append((mac.field, mac.picojoules))
                macPicojoules = mac.picojoules
            }
            let values = zip(synops.perSample, macs.perSample).map { $0 * accumulatePicojoules + $1 * macPicojoules }
            return ConventionEnergy(convention: .syopsCounter, profile: profile.name, perSamplePicojoules: values,
                                    layerCount: layers, constants: constants)
        }
    }
}
