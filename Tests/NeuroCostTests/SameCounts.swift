@testable import Simulator
import Testing

/// Expects two runs of one plan to agree exactly: the predictions after every step, and every count (each metric,
/// sample, step and layer). Returns how many count cells were compared and the spikes `actual` counted per layer
/// name, so a caller can check that the layer it is about fired at all.
@discardableResult
func expectSameCounts(_ actual: RunResult, _ expected: RunResult, context: String) -> (cells: Int, spikes: [String: Int]) {
    #expect(actual.predictionsByStep == expected.predictionsByStep, "\(context)")
    #expect(actual.layerNames == expected.layerNames, "\(context): layers")
    var cells = 0
    var spikes: [String: Int] = [:]
    for metric in CountMetric.allCases {
        for sample in 0..<actual.counts.sampleCount {
            for step in 0..<actual.options.timesteps {
                for (layer, name) in actual.layerNames.enumerated() {
                    let a = actual.counts.value(metric, sample: sample, step: step, layer: layer)
                    let b = expected.counts.value(metric, sample: sample, step: step, layer: layer)
                    #expect(a == b, "\(context): \(metric.rawValue) sample \(sample) step \(step) layer \(name)")
                    if metric == .spikes { spikes[name, default: 0] += a ?? 0 }
                    cells += 1
                }
            }
        }
    }
    return (cells, spikes)
}
