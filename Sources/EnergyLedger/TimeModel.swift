import HardwareProfiles

/// How long one inference takes on a profile's hardware, and how that was found.
public struct InferenceTiming: Sendable, Equatable {
    /// Seconds per time step.
    public let stepSeconds: Double
    /// Seconds per inference: steps × seconds per step.
    public let latencySeconds: Double
    /// What set the step: `fixed tick`, the host loop, or the slowest layer's cores and the terms added (for tables
    /// and notes).
    public let basis: String
    /// Cores receiving host input that the host loop was timed with (`nil` when the profile has no host loop).
    public let hostInputCores: Int?

    public init(stepSeconds: Double, latencySeconds: Double, basis: String, hostInputCores: Int? = nil) {
        self.stepSeconds = stepSeconds
        self.latencySeconds = latencySeconds
        self.basis = basis
        self.hostInputCores = hostInputCores
    }
}

/// The time model (docs/energy-ledger.md, "Time model"). Pure: counts, layout and the profile's typed latencies.
///
/// - A profile with per-action latencies (`timing:`): each layer's work per step is spread evenly over the cores its
///   neurons need (neurons ÷ neurons per core, rounded up); a core's step time is its actions × their latencies; the
///   slowest core sets the step, and the barrier is added. The counts are averaged over steps and samples, so this is
///   the mean step, not the worst one.
/// - A host loop (`host.loop_s`, `host.input_core_s` per core receiving host input), a measured system step
///   (`timing.min_step_s`) and a fixed tick (`time_per_step_s`) are floors: a host-driven loop or a real-time chip never
///   runs a step faster, so the step is the longest of them and the cores' work. Without a work model the longest
///   floor is the step.
/// - None of these: no time model (`nil`).
public enum TimeModel {
    /// The timing of one inference. `hostInputCores`: the cores that receive spikes injected by the host (from a
    /// mapping); `nil` takes ``defaultHostInputCores(_:profile:)``.
    public static func timing(_ counts: LayerCountTable, layout: LedgerLayout, profile: HardwareProfile,
                              hostInputCores: Int? = nil) -> InferenceTiming? {
        let timing = profile.timing
        let steps = counts.timesteps
        guard steps > 0 else { return nil }
        var step: Double?
        var basis: [String] = []
        let inputCores = hostInputCores ?? defaultHostInputCores(layout, profile: profile)
        let hostLoop = profile.host.stepSeconds(inputCores: inputCores)
        if timing.hasWorkModel {
            let stepsRun = Double(steps * max(counts.sampleCount, 1))
            let perCore = profile.cores?.neuronsPerCore
            var slowest = 0.0, slowestLayer = ""
            for (index, layer) in layout.layers.enumerated() {
                let total = { (metric: LayerCountTable.Metric) in Double(counts.total(metric, layer: index)) }
                let active = total(.activeNeuronUpdates)
                let idle = max(total(.neuronUpdates) - active, 0)
                var seconds = total(.synops) * (timing.synop?.value ?? 0)
                seconds += active * (timing.neuronUpdateActive?.value ?? 0)
                seconds += idle * (timing.neuronUpdateIdle?.value ?? timing.neuronUpdateActive?.value ?? 0)
                if layer.emitsSpikes { seconds += total(.spikes) * (timing.spikeSent?.value ?? 0) }
                let cores = perCore.map { max(1, (layer.elements + $0 - 1) / $0) } ?? 1
                let perStep = seconds / stepsRun / Double(cores)
                if perStep > slowest { (slowest, slowestLayer) = (perStep, layer.name) }
            }
            var total = slowest
            basis.append(slowestLayer.isEmpty ? "no core work" : "slowest core: \(slowestLayer)")
            if let barrier = timing.barrier { total += barrier.value; basis.append("barrier") }
            step = total
            if let floor = timing.minStep, floor.value > total {
                step = floor.value
                basis = ["system step (the cores' work is shorter)"]
            }
            if let tick = profile.timePerStepSeconds, tick.value > step! {
                step = tick.value
                basis = ["fixed tick (the cores' work is shorter)"]
            }
            if let hostLoop, hostLoop > step! {
                step = hostLoop
                basis = ["host loop, \(inputCores) input \(inputCores == 1 ? "core" : "cores") (the cores' work is shorter)"]
            }
        } else {
            let candidates: [(Double?, String)] = [(profile.timePerStepSeconds?.value, "fixed tick"), (timing.minStep?.value, "system step"),
                                                   (hostLoop, "host loop, \(inputCores) input cores")]
            let floors = candidates.compactMap { value, name in value.map { ($0, name) } }
            if let longest = floors.max(by: { $0.0 < $1.0 }) {
                step = longest.0
                basis = [longest.1]
            }
        }
        guard let step else { return nil }
        return InferenceTiming(stepSeconds: step, latencySeconds: step * Double(steps), basis: basis.joined(separator: " + "),
                               hostInputCores: hostLoop == nil ? nil : inputCores)
    }

    /// Without a mapping: the cores of the first neuron population (its neurons ÷ neurons per core, rounded up), the
    /// layer a host-fed network's input reaches first. A mapper that spreads the input wider should say so.
    public static func defaultHostInputCores(_ layout: LedgerLayout, profile: HardwareProfile) -> Int {
        guard let first = layout.layers.first(where: \.isNeuronPopulation) else { return 1 }
        guard let perCore = profile.cores?.neuronsPerCore, perCore > 0 else { return 1 }
        return max(1, (first.elements + perCore - 1) / perCore)
    }
}
