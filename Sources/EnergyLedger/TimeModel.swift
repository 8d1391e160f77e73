import HardwareProfiles

/// How long one inference takes on a profile's hardware, and how that was found.
public struct InferenceTiming: Sendable, Equatable {
    /// Seconds per time step.
    public let stepSeconds: Double
    /// Seconds per inference: steps × seconds per step.
    public let latencySeconds: Double
    /// What set the step: `fixed tick`, or the slowest layer's cores and the terms added (for tables and notes).
    public let basis: String
}

/// The time model (docs/energy-ledger.md, "Time model"). Pure: counts, layout and the profile's typed latencies.
///
/// - A profile with per-action latencies (`timing:`): each layer's work per step is spread evenly over the cores its
///   neurons need (neurons ÷ neurons per core, rounded up); a core's step time is its actions × their latencies; the
///   slowest core sets the step, and the barrier is added. The counts are averaged over steps and samples, so this is
///   the mean step, not the worst one.
/// - A measured system step (`timing.min_step_s`) and a fixed tick (`time_per_step_s`) are floors: a host-driven loop
///   or a real-time chip never runs a step faster. Without a work model the tick (else the system step) is the step.
/// - Neither: no time model (`nil`).
public enum TimeModel {
    public static func timing(_ counts: LayerCountTable, layout: LedgerLayout, profile: HardwareProfile) -> InferenceTiming? {
        let timing = profile.timing
        let steps = counts.timesteps
        guard steps > 0 else { return nil }
        var step: Double?
        var basis: [String] = []
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
        } else if let tick = profile.timePerStepSeconds {
            step = max(tick.value, timing.minStep?.value ?? 0)
            basis = ["fixed tick"]
        } else if let floor = timing.minStep {
            step = floor.value
            basis = ["system step"]
        }
        guard let step else { return nil }
        return InferenceTiming(stepSeconds: step, latencySeconds: step * Double(steps), basis: basis.joined(separator: " + "))
    }
}
