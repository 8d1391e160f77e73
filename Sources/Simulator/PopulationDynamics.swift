import NetworkModel

/// A neuron population's parameters broadcast to one value per neuron, with the `dt`-dependent
/// coefficients computed once in float64 and rounded to float32 (see `docs/execution-model.md`).
struct PopulationDynamics: Sendable {
    let model: NeuronModel
    let count: Int
    let gain: ImmutableBuffer<Float>          // r
    let threshold: ImmutableBuffer<Float>     // v_threshold (spiking models)
    let resetPotential: ImmutableBuffer<Float> // v_reset, 0 where the file has none
    let leakPotential: ImmutableBuffer<Float> // v_leak
    let membraneRate: ImmutableBuffer<Float>  // dt/τ or dt/τ_mem
    let synapticRate: ImmutableBuffer<Float>  // dt/τ_syn
    let inputWeight: ImmutableBuffer<Float>   // w_in, 1 where absent
    /// Whether every r is 1 (so r·x = x exactly and the IF step need not read r), and the one threshold and reset
    /// value shared by every neuron, when they are: fewer streams through memory per neuron and step.
    let unitGain: Bool
    let sharedThreshold: Float?
    let sharedReset: Float?
    /// Row `m`: the numbers of the lanes set in the eight-bit mask `m`, ascending (for branch-free spike listing).
    let laneCompaction: ImmutableBuffer<SIMD8<Int32>>

    init(_ neurons: NeuronParameters, shape: [Int], dt: Double, node: String, arena: BufferArena) throws(SimulationError) {
        let population = shape.reduce(1, *)
        model = neurons.model
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
        func rate(_ name: String) throws(SimulationError) -> ImmutableBuffer<Float> {
            arena.store(try field(name, default: .infinity).map { Float(dt / $0) })
        }
        gain = arena.store(try field("r", default: 1).map { Float($0) })
        threshold = arena.store(try field("v_threshold", default: .infinity).map { Float($0) })
        resetPotential = arena.store(try field("v_reset", default: 0).map { Float($0) })
        leakPotential = arena.store(try field("v_leak", default: 0).map { Float($0) })
        inputWeight = arena.store(try field("w_in", default: 1).map { Float($0) })
        func shared(_ buffer: ImmutableBuffer<Float>) -> Float? {
            guard buffer.count > 0 else { return nil }
            let first = buffer[0]
            return (0..<buffer.count).allSatisfy { buffer[$0].bitPattern == first.bitPattern } ? first : nil
        }
        unitGain = shared(gain) == 1
        laneCompaction = arena.store((0..<256).map { mask in
            var lanes = SIMD8<Int32>(), listed = 0
            for lane in 0..<8 where mask & (1 << lane) != 0 {
                lanes[listed] = Int32(lane)
                listed += 1
            }
            return lanes
        })
        sharedThreshold = shared(threshold)
        sharedReset = shared(resetPotential)
        switch model {
        case .leakyIntegrator, .leakyIntegrateAndFire:
            membraneRate = try rate("tau")
            synapticRate = arena.store([Float]())
        case .currentBasedLeakyIntegrator, .currentBasedLeakyIntegrateAndFire:
            membraneRate = try rate("tau_mem")
            synapticRate = try rate("tau_syn")
        case .integrator, .integrateAndFire:
            membraneRate = arena.store([Float]())
            synapticRate = arena.store([Float]())
        }
    }

    /// Outcome of one step of the population.
    struct StepCounts {
        var spikes = 0
        var activeUpdates = 0
    }

    /// Advances every neuron one step with summed input `input`; appends spike indices to `spikes`.
    /// One loop per model for the state update (no per-neuron branching, so it vectorises), then one pass
    /// for threshold and reset (IF: one fused pass, `stepIntegrateAndFire`); each neuron's arithmetic is the same,
    /// in the same order, as the spec's. `scratch` holds at least `count + 8` indices (IF lists spikes there first).
    @inline(__always)
    func step(input: UnsafePointer<Float>, potential v: UnsafeMutablePointer<Float>, current: UnsafeMutablePointer<Float>,
              reset: ResetMode, comparison: ThresholdComparison, spikes: inout [Int32],
              scratch: UnsafeMutablePointer<Int32>) -> StepCounts {
        if model == .integrateAndFire {
            return stepIntegrateAndFire(input: input, potential: v, reset: reset, comparison: comparison, spikes: &spikes,
                                        scratch: scratch)
        }
        var counts = StepCounts()
        var active = 0
        switch model {
        case .integrator, .integrateAndFire:  // IF returned above; the label keeps the switch exhaustive
            let gain = gain.pointer
            // Eight neurons at a time: the same multiply then add per neuron, so results are bit-identical.
            var index = 0
            var activeLanes = SIMD8<Int32>()
            while index + 8 <= count {
                let drive = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
                let weight = UnsafeRawPointer(gain + index).loadUnaligned(as: SIMD8<Float>.self)
                let potential = UnsafeRawPointer(v + index).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v + index).storeBytes(of: potential + weight * drive, as: SIMD8<Float>.self)
                activeLanes &+= SIMD8<Int32>().replacing(with: 1, where: drive .!= 0)
                index += 8
            }
            active = Int(activeLanes.wrappedSum())
            while index < count {
                let drive = input[index]
                v[index] = v[index] + gain[index] * drive
                active &+= drive != 0 ? 1 : 0
                index += 1
            }
        case .leakyIntegrator, .leakyIntegrateAndFire:
            for index in 0..<count {
                let drive = input[index], leak = leakPotential[index]
                active &+= (drive != 0 || v[index] != leak) ? 1 : 0
                v[index] = v[index] + membraneRate[index] * ((leak - v[index]) + gain[index] * drive)
            }
        case .currentBasedLeakyIntegrator, .currentBasedLeakyIntegrateAndFire:
            for index in 0..<count {
                let drive = input[index], leak = leakPotential[index]
                active &+= (drive != 0 || v[index] != leak || current[index] != 0) ? 1 : 0
                current[index] = current[index] + synapticRate[index] * (inputWeight[index] * drive - current[index])
                v[index] = v[index] + membraneRate[index] * ((leak - v[index]) + gain[index] * current[index])
            }
        }
        counts.activeUpdates = active
        guard model.emitsSpikes else { return counts }
        let threshold = threshold.pointer
        // Skip blocks of eight where nobody fires (most neurons, most steps); check the rest one by one, in order.
        var start = 0
        while start < count {
            let end = min(start + 8, count)
            if end - start == 8 {
                let potential = UnsafeRawPointer(v + start).loadUnaligned(as: SIMD8<Float>.self)
                let theta = UnsafeRawPointer(threshold + start).loadUnaligned(as: SIMD8<Float>.self)
                let anyFires = comparison == .gt ? any(potential .> theta) : any(potential .>= theta)
                if !anyFires {
                    start = end
                    continue
                }
            }
            for index in start..<end {
                let theta = threshold[index]
                let fires = comparison == .gt ? v[index] > theta : v[index] >= theta
                if fires {
                    spikes.append(Int32(index))
                    v[index] = reset == .subtract ? v[index] - theta : resetPotential[index]
                }
            }
            start = end
        }
        counts.spikes = spikes.count
        return counts
    }

    /// IF in one pass, eight neurons at a time: v ← v + r·x, compare, reset the lanes that fire, and list them in
    /// ascending order from the lane mask. Same arithmetic per neuron as the spec (one multiply, one add, then the
    /// reset), so results are bit-identical to the scalar form; no branch depends on individual neurons.
    @inline(__always)
    private func stepIntegrateAndFire(input: UnsafePointer<Float>, potential v: UnsafeMutablePointer<Float>,
                                      reset: ResetMode, comparison: ThresholdComparison,
                                      spikes: inout [Int32], scratch: UnsafeMutablePointer<Int32>) -> StepCounts {
        let gain = gain.pointer, threshold = threshold.pointer, resetPotential = resetPotential.pointer
        let strict = comparison == .gt, subtract = reset == .subtract
        let unitGain = unitGain
        let sharedTheta = sharedThreshold.map { SIMD8<Float>(repeating: $0) }
        let sharedAfter = sharedReset.map { SIMD8<Float>(repeating: $0) }
        let laneBits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)
        let compaction = laneCompaction.pointer
        var listed = 0
        var activeLanes = SIMD8<Int32>()
        var index = 0
        // Each variant (comparison; r, theta and reset shared or per neuron) gets its own loop: choosing inside the
        // loop kept loop-invariant branches and made the compiler rebuild the lane mask bit by bit.
        @inline(__always)
        func integrate(_ fires: (SIMD8<Float>, SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>,
                       weighted: (SIMD8<Float>, Int) -> SIMD8<Float>, thresholdAt: (Int) -> SIMD8<Float>,
                       afterFiring: (SIMD8<Float>, SIMD8<Float>, Int) -> SIMD8<Float>) {
            while index &+ 8 <= count {
                let drive = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
                let potential = UnsafeRawPointer(v + index).loadUnaligned(as: SIMD8<Float>.self) + weighted(drive, index)
                activeLanes &+= SIMD8<Int32>().replacing(with: 1, where: drive .!= 0)
                let theta = thresholdAt(index)
                // The mask as all-ones lanes, used through bit operations only (as a SIMDMask it was rebuilt lane by lane).
                let firing = SIMD8<Int32>().replacing(with: -1, where: fires(potential, theta))
                let kept = unsafeBitCast(potential, to: SIMD8<Int32>.self) & ~firing
                let reset = unsafeBitCast(afterFiring(potential, theta, index), to: SIMD8<Int32>.self) & firing
                UnsafeMutableRawPointer(v + index).storeBytes(of: kept | reset, as: SIMD8<Int32>.self)
                // Branch-free compaction: the lane mask picks a row of ascending lane numbers, stored whole at the end
                // of the list; only the first popcount(mask) of them are kept.
                let mask = Int((firing & laneBits).wrappedSum())
                let lanes = UnsafeRawPointer(compaction + mask).load(as: SIMD8<Int32>.self)
                UnsafeMutableRawPointer(scratch + listed).storeBytes(of: lanes &+ SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: index)),
                                                                     as: SIMD8<Int32>.self)
                listed &+= mask.nonzeroBitCount
                index &+= 8
            }
        }
        @inline(__always)
        func integrate(_ fires: (SIMD8<Float>, SIMD8<Float>) -> SIMDMask<SIMD8<Int32>>) {
            if unitGain, let theta = sharedTheta, subtract || sharedAfter != nil {
                // The converted-network case: r = 1, one threshold, reset by subtraction or to one value.
                let resetValue = sharedAfter ?? SIMD8<Float>()
                if subtract {
                    integrate(fires, weighted: { drive, _ in drive }, thresholdAt: { _ in theta },
                              afterFiring: { potential, theta, _ in potential - theta })
                } else {
                    integrate(fires, weighted: { drive, _ in drive }, thresholdAt: { _ in theta },
                              afterFiring: { _, _, _ in resetValue })
                }
            } else {
                integrate(fires,
                          weighted: { drive, at in UnsafeRawPointer(gain + at).loadUnaligned(as: SIMD8<Float>.self) * drive },
                          thresholdAt: { at in UnsafeRawPointer(threshold + at).loadUnaligned(as: SIMD8<Float>.self) },
                          afterFiring: { potential, theta, at in
                              subtract ? potential - theta
                                       : UnsafeRawPointer(resetPotential + at).loadUnaligned(as: SIMD8<Float>.self) })
            }
        }
        if strict {
            integrate { $0 .> $1 }
        } else {
            integrate { $0 .>= $1 }
        }
        spikes.append(contentsOf: UnsafeBufferPointer(start: scratch, count: listed))
        var active = Int(activeLanes.wrappedSum())
        while index < count {
            let drive = input[index]
            v[index] = v[index] + gain[index] * drive
            active &+= drive != 0 ? 1 : 0
            let theta = threshold[index]
            if strict ? v[index] > theta : v[index] >= theta {
                spikes.append(Int32(index))
                v[index] = subtract ? v[index] - theta : resetPotential[index]
            }
            index &+= 1
        }
        return StepCounts(spikes: spikes.count, activeUpdates: active)
    }
}
