/// Per lane, the counts of the sample it runs (per metric, row-major (T, L)) and its prediction after each step.
final class SampleTally {
    private let layerCount: Int
    private let timesteps: Int
    /// Per lane and metric.
    private(set) var counts: [[CountMetric: [Int]]]
    /// Per lane, the prediction after each step of its sample.
    var predictions: [[Int]]

    init(lanes: Int, timesteps: Int, layers: Int) {
        layerCount = layers
        self.timesteps = timesteps
        counts = Array(repeating: Dictionary(uniqueKeysWithValues: CountMetric.allCases.map {
            ($0, [Int](repeating: 0, count: timesteps * layers))
        }), count: lanes)
        predictions = Array(repeating: Array(repeating: 0, count: timesteps), count: lanes)
    }

    /// Adds `amount` of `metric` to `stage`'s layer at `step` in `lane` (nodes that are not layers count nothing).
    @inline(__always)
    func add(_ metric: CountMetric, _ amount: Int, _ stage: Stage, lane: Int, step: Int) {
        guard let layer = stage.layer, amount != 0 else { return }
        counts[lane][metric]![step &* layerCount &+ layer] += amount
    }

    func reset() {
        for lane in counts.indices {
            for metric in CountMetric.allCases {
                counts[lane][metric]!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            }
        }
    }
}
