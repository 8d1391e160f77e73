import NetworkModel

/// A neuron population's parameters broadcast to one value per neuron, with the coefficients its rule needs
/// computed once (in float64 and rounded to float32, or in float32 where the framework computes them so: see
/// `NeuronRule` and `docs/frameworks.md`).
struct PopulationDynamics: Sendable {
    let model: NeuronModel
    let rule: NeuronRule
    let count: Int
    let gain: ImmutableBuffer<Float>          // the input gain: r, or what the rule makes of it (see NeuronRule)
    let threshold: ImmutableBuffer<Float>     // v_threshold (spiking models)
    let resetPotential: ImmutableBuffer<Float> // v_reset, 0 where the file has none
    let leakPotential: ImmutableBuffer<Float> // v_leak
    /// The membrane coefficient of the rule: dt/τ (euler), β (decay), exp(−dt/τ) (exponential), dt·τ⁻¹ (norse),
    /// τ in steps (SpikingJelly).
    let membraneCoefficient: ImmutableBuffer<Float>
    /// 1 − exp(−dt/τ) in float32 (exponential only).
    let membraneComplement: ImmutableBuffer<Float>
    /// The synaptic coefficient: dt/τ_syn (euler), α (decay), dt·τ_syn⁻¹ (norse).
    let synapticCoefficient: ImmutableBuffer<Float>
    let inputWeight: ImmutableBuffer<Float>   // w_in, 1 where absent (or what the rule makes of it)
    /// Whether every r is 1 (so r·x = x exactly and the IF step need not read r), and the one threshold and reset
    /// value shared by every neuron, when they are: fewer streams through memory per neuron and step.
    let unitGain: Bool
    let sharedThreshold: Float?
    let sharedReset: Float?

    init(_ neurons: NeuronParameters, shape: [Int], rule: NeuronRule, options: SimulationOptions, node: String,
         arena: BufferArena) throws(SimulationError) {
        let population = shape.reduce(1, *)
        let dt = options.dt
        model = neurons.model
        self.rule = rule
        count = population
        func field(_ name: String, default fallback: Double) throws(SimulationError) -> [Double] {
            guard let tensor = neurons.fields[name] else { return Array(repeating: fallback, count: population) }
            do {
                return try tensor.broadcast(to: shape)
            } catch {
                // Same element count in another layout: take the values in flat order.
                guard tensor.count == population else { throw SimulationError("node '\(node)': field '\(name)': \(error.message)") }
                return tensor.doubleValues
            }
        }
        /// A field only ever used in float32, straight into the arena: a tensor of the population's shape as
        /// `floatValues` gives it (the same values as `field` rounded to float32, without the float64 copy), a
        /// missing one as its default, anything else through `field`.
        func floatField(_ name: String, default fallback: Float) throws(SimulationError) -> ImmutableBuffer<Float> {
            guard let tensor = neurons.fields[name] else {
                return arena.store(count: population) { if fallback != 0 { $0.initialize(repeating: fallback) } }
            }
            if tensor.shape == shape { return arena.store(tensor.floatValues) }
            return arena.store(try field(name, default: Double(fallback)).map { Float($0) })
        }
        let isLeaky = model != .integrator && model != .integrateAndFire
        let isCurrentBased = model == .currentBasedLeakyIntegrator || model == .currentBasedLeakyIntegrateAndFire
        // Under the Euler rule (but SpikingJelly's IF, whose gain is r·dt) the gain is r in float32, and the input
        // weight is w_in in float32 under every rule but the decay of current-based models: straight into the arena
        // (`floatField`), without two float64 copies of the population and their float32 copies. Either is read in
        // float64 as before when it holds a value that is not finite (the infinite-gain check below; NaN payloads).
        let gainIsR = rule.update == .euler && !(!isLeaky && options.framework == .spikingjelly)
            && neurons.fields["r"]?.firstNonFiniteIndex == nil
        let r = gainIsR ? [] : try field("r", default: 1)
        let directGain = gainIsR ? try floatField("r", default: 1) : nil
        let weightIsWIn = !(rule.update == .decay && isCurrentBased) && neurons.fields["w_in"]?.firstNonFiniteIndex == nil
        let weightIn = weightIsWIn ? [] : try field("w_in", default: 1)
        let directWeight = weightIsWIn ? try floatField("w_in", default: 1) : nil
        threshold = try floatField("v_threshold", default: .infinity)
        resetPotential = try floatField("v_reset", default: 0)
        leakPotential = try floatField("v_leak", default: 0)
        let membraneField = model == .leakyIntegrator || model == .leakyIntegrateAndFire ? "tau" : "tau_mem"
        let tauMembrane = isLeaky ? try field(membraneField, default: .infinity) : []
        let tauSynapse = isCurrentBased ? try field("tau_syn", default: .infinity) : []
        for (name, values) in [(membraneField, tauMembrane), ("tau_syn", tauSynapse)] {
            if let bad = values.firstIndex(where: { $0.isInfinite }), rule.update != .decay {
                throw SimulationError("node '\(node)': field '\(name)': infinite time constant at flat index \(bad) (snntorch writes τ = r = ∞ for β = 1: run with --framework snntorch)")
            }
        }
        if let bad = r.firstIndex(where: { $0.isInfinite }), !(rule.update == .decay && tauMembrane.indices.contains(bad) && tauMembrane[bad].isInfinite) {
            throw SimulationError("node '\(node)': field 'r': infinite gain at flat index \(bad) (only snntorch's β = 1 export, τ = r = ∞, has a meaning: --framework snntorch)")
        }
        /// The exporter's gain `ratio · τ/dt` stands for the framework's unit gain when it is 1 up to float32 rounding.
        func exporterGain(_ ratio: Double, tau: Double) -> Float {
            if ratio.isInfinite && tau.isInfinite { return 1 }
            let gain = ratio * dt / tau
            return ExporterParameterRecovery.isUnitGain(gain) ? 1 : Float(gain)
        }
        var gains = r.map { Float($0) }
        var weights = weightIn.map { Float($0) }
        var membrane: [Float] = [], complement: [Float] = [], synaptic: [Float] = []
        switch rule.update {
        case .euler:
            if !isLeaky, options.framework == .spikingjelly {
                gains = r.map { ExporterParameterRecovery.isUnitGain($0 * dt) ? 1 : Float($0 * dt) }
            }
            membrane = tauMembrane.map { Float(dt / $0) }
            synaptic = tauSynapse.map { Float(dt / $0) }
        case .decay:
            membrane = Self.perDistinctValue(tauMembrane) { ExporterParameterRecovery.snntorchDecay(timeConstant: $0, dt: dt) }
            synaptic = Self.perDistinctValue(tauSynapse) { ExporterParameterRecovery.snntorchDecay(timeConstant: $0, dt: dt) }
            gains = r.indices.map { exporterGain(r[$0], tau: tauMembrane[$0]) }
            if isCurrentBased { weights = weightIn.indices.map { exporterGain(weightIn[$0], tau: tauSynapse[$0]) } }
        case .exponential:
            membrane = tauMembrane.map { ExporterParameterRecovery.sinabsDecay(timeConstant: $0, dt: dt) }
            complement = membrane.map { 1 - $0 }
        case .norseBox, .norseCurrentJump:
            let step = Float(dt)
            membrane = Self.perDistinctValue(tauMembrane) { step * ExporterParameterRecovery.norseInverseTimeConstant(timeConstant: $0, dt: dt) }
            synaptic = Self.perDistinctValue(tauSynapse) { step * ExporterParameterRecovery.norseInverseTimeConstant(timeConstant: $0, dt: dt) }
        case .spikingJellyDivision:
            membrane = tauMembrane.map { Float($0 / dt) }
            // LIFNode(decay_input=True) writes r = 1; decay_input=False writes r = τ in steps, and its input is added
            // undecayed: a gain of 0 marks it (see `integrate`).
            let decaysInput = r.allSatisfy { $0 == 1 }
            let undecayed = zip(r, membrane).allSatisfy { ExporterParameterRecovery.isUnitGain($0 / Double($1)) }
            guard decaysInput || undecayed else {
                throw SimulationError("node '\(node)': field 'r': SpikingJelly writes LIFNode with r = 1 (decay_input=True) or r = τ/dt (decay_input=False); this file has neither")
            }
            gains = decaysInput ? gains : Array(repeating: 0, count: population)
        }
        gain = directGain ?? arena.store(gains)
        inputWeight = directWeight ?? arena.store(weights)
        membraneCoefficient = arena.store(membrane)
        membraneComplement = arena.store(complement)
        synapticCoefficient = arena.store(synaptic)
        func shared(_ buffer: ImmutableBuffer<Float>) -> Float? {
            guard buffer.count > 0 else { return nil }
            let first = buffer[0]
            return (0..<buffer.count).allSatisfy { buffer[$0].bitPattern == first.bitPattern } ? first : nil
        }
        unitGain = shared(gain) == 1
        sharedThreshold = shared(threshold)
        sharedReset = shared(resetPotential)
    }

    /// `transform` of each value, computed once per distinct value (populations mostly share one time constant, and
    /// the exporter inversions search hundreds of candidates).
    private static func perDistinctValue(_ values: [Double], _ transform: (Double) -> Float) -> [Float] {
        var memo: [UInt64: Float] = [:]
        return values.map { value in
            if let known = memo[value.bitPattern] { return known }
            let result = transform(value)
            memo[value.bitPattern] = result
            return result
        }
    }

    /// The time constants' decay per step as the rule applies it, for warnings: dt/τ under Euler-type rules.
    var eulerRates: [Float] {
        switch rule.update {
        case .euler, .norseBox, .norseCurrentJump: return (0..<membraneCoefficient.count).map { membraneCoefficient[$0] }
        case .decay, .exponential, .spikingJellyDivision: return []
        }
    }

    /// Outcome of one step of the population.
    struct StepCounts {
        var spikes = 0
        var activeUpdates = 0
    }

    /// Advances every neuron one step with summed input `input`; lists spike indices in `spikes` (a neuron that
    /// emits n spikes under the multi-spike function is listed n times). The plain IF runs in one fused, vectorised
    /// pass (`stepIntegrateAndFire`); the other rules run neuron by neuron in the framework's operation order.
    /// `spikes` is empty on entry, and nil exactly for models that do not spike.
    @inline(__always)
    func step(input: UnsafePointer<Float>, potential v: UnsafeMutablePointer<Float>, current: UnsafeMutablePointer<Float>,
              spikes: SpikeList?, kernels: Kernels) -> StepCounts {
        if let spikes, model == .integrateAndFire, rule.isPlainIntegrateAndFire {
            return stepIntegrateAndFire(input: input, potential: v, reset: rule.reset == .subtract ? .subtract : .value,
                                        comparison: rule.comparison, spikes: spikes, kernels: kernels)
        }
        if let spikes {
            return stepSpiking(input: input, potential: v, current: current, spikes: spikes)
        }
        var active = 0
        for index in 0..<count {
            active &+= integrate(index, drive: input[index], potential: v, current: current) ? 1 : 0
        }
        return StepCounts(spikes: 0, activeUpdates: active)
    }

    /// Whether `value` crosses the threshold under the rule's comparison.
    @inline(__always)
    private func crosses(_ value: Float, _ theta: Float) -> Bool {
        rule.comparison == .gt ? value > theta : value >= theta
    }

    /// One neuron's state update (no threshold, no reset); returns whether the update was active (non-zero input or
    /// a state that changes without input).
    @inline(__always)
    private func integrate(_ index: Int, drive: Float, potential v: UnsafeMutablePointer<Float>,
                           current: UnsafeMutablePointer<Float>) -> Bool {
        let leak = leakPotential[index]
        switch (rule.update, model) {
        case (_, .integrator), (_, .integrateAndFire):
            v[index] = v[index] + gain[index] * drive
            return drive != 0
        case (.euler, .leakyIntegrator), (.euler, .leakyIntegrateAndFire):
            let active = drive != 0 || v[index] != leak
            v[index] = v[index] + membraneCoefficient[index] * ((leak - v[index]) + gain[index] * drive)
            return active
        case (.euler, _):
            let active = drive != 0 || v[index] != leak || current[index] != 0
            current[index] = current[index] + synapticCoefficient[index] * (inputWeight[index] * drive - current[index])
            v[index] = v[index] + membraneCoefficient[index] * ((leak - v[index]) + gain[index] * current[index])
            return active
        case (.decay, .leakyIntegrator), (.decay, .leakyIntegrateAndFire):
            let active = drive != 0 || v[index] != 0
            v[index] = membraneCoefficient[index] * v[index] + gain[index] * drive
            return active
        case (.decay, _):
            let active = drive != 0 || v[index] != 0 || current[index] != 0
            current[index] = synapticCoefficient[index] * current[index] + inputWeight[index] * drive
            v[index] = membraneCoefficient[index] * v[index] + gain[index] * current[index]
            return active
        case (.exponential, _):
            let active = drive != 0 || v[index] != 0
            v[index] = membraneCoefficient[index] * v[index] + membraneComplement[index] * (gain[index] * drive)
            return active
        case (.norseBox, _):
            let active = drive != 0 || v[index] != leak
            v[index] = v[index] + membraneCoefficient[index] * ((gain[index] * drive + leak) - v[index])
            return active
        case (.norseCurrentJump, _):
            let active = drive != 0 || v[index] != leak || current[index] != 0
            let jumped = current[index] + inputWeight[index] * drive
            v[index] = v[index] + membraneCoefficient[index] * ((leak - v[index]) + gain[index] * jumped)
            current[index] = jumped + (-synapticCoefficient[index]) * jumped
            return active
        case (.spikingJellyDivision, _):
            let active = drive != 0 || v[index] != leak
            if gain[index] == 0 {  // decay_input=False: v − (v − v_reset)/τ + x
                v[index] = v[index] - (v[index] - leak) / membraneCoefficient[index] + drive
            } else {               // decay_input=True: v + (x − (v − v_reset))/τ
                v[index] = v[index] + (gain[index] * drive - (v[index] - leak)) / membraneCoefficient[index]
            }
            return active
        }
    }

    /// Spiking populations other than the plain IF: the rule's update, then its threshold and reset, neuron by neuron.
    private func stepSpiking(input: UnsafePointer<Float>, potential v: UnsafeMutablePointer<Float>,
                             current: UnsafeMutablePointer<Float>, spikes: SpikeList) -> StepCounts {
        var counts = StepCounts()
        for index in 0..<count {
            let theta = threshold[index]
            // snntorch decides the reset from the previous step's potential (its `mem_reset(mem)` before the update).
            let pending = (rule.reset == .subtractAtNextStep || rule.reset == .zeroBeforeNextStep || rule.reset == .holdZeroNextStep)
                && v[index] > theta
            if pending && rule.reset == .zeroBeforeNextStep { v[index] = 0 }
            counts.activeUpdates &+= integrate(index, drive: input[index], potential: v, current: current) ? 1 : 0
            if pending {
                if rule.reset == .subtractAtNextStep { v[index] = v[index] - theta }
                if rule.reset == .holdZeroNextStep { v[index] = v[index] - v[index] }
            }
            let potential = v[index]
            switch rule.spikeFunction {
            case .single:
                guard crosses(potential, theta) else { continue }
                spikes.append(Int32(index))
                switch rule.reset {
                case .subtract: v[index] = potential - theta
                case .toValue: v[index] = resetPotential[index]
                case .subtractAtNextStep, .zeroBeforeNextStep, .holdZeroNextStep: break
                }
            case .multi:
                // sinabs: (v > 0) · trunc(v / θ) spikes, all subtracted at once.
                guard potential > 0 else { continue }
                let emitted = (potential / theta).rounded(.towardZero)
                guard emitted >= 1 else { continue }
                let number = emitted < Float(Int32.max) ? Int(emitted) : Int(Int32.max)
                spikes.append(Int32(index), times: number)
                switch rule.reset {
                case .subtract: v[index] = potential - emitted * theta
                case .toValue: v[index] = resetPotential[index]
                case .subtractAtNextStep, .zeroBeforeNextStep, .holdZeroNextStep: break
                }
            }
        }
        counts.spikes = spikes.count
        return counts
    }

    /// IF in one pass through the instruction set's kernel (`nc_integrate_and_fire_kernel`): v ← v + r·x, compare,
    /// reset the neurons that fire, and list them in ascending order. Same arithmetic per neuron as the spec (one
    /// multiply, one add, then the reset), so results are bit-identical to the scalar form on every instruction set.
    @inline(__always)
    private func stepIntegrateAndFire(input: UnsafePointer<Float>, potential v: UnsafeMutablePointer<Float>,
                                      reset: ResetMode, comparison: ThresholdComparison, spikes: SpikeList,
                                      kernels: Kernels) -> StepCounts {
        let parameters = integrateAndFireParameters(reset: reset, comparison: comparison)
        let active = kernels.integrateAndFire(parameters, potential: v, input: input, count: count, spikes: spikes)
        return StepCounts(spikes: spikes.count, activeUpdates: active)
    }

    /// The plain IF kernels' parameters of this population (`rule.isPlainIntegrateAndFire`).
    var integrateAndFireParameters: IntegrateAndFireParameters {
        integrateAndFireParameters(reset: rule.reset == .subtract ? .subtract : .value, comparison: rule.comparison)
    }

    @inline(__always)
    private func integrateAndFireParameters(reset: ResetMode, comparison: ThresholdComparison) -> IntegrateAndFireParameters {
        IntegrateAndFireParameters(
            gain: unitGain ? nil : UnsafePointer(gain.pointer),
            threshold: sharedThreshold == nil ? UnsafePointer(threshold.pointer) : nil,
            resetValue: sharedReset == nil ? UnsafePointer(resetPotential.pointer) : nil,
            sharedThreshold: sharedThreshold ?? 0, sharedReset: sharedReset ?? 0,
            subtract: reset == .subtract, strict: comparison == .gt)
    }
}
