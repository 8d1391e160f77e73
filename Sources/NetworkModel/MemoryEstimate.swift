/// A deliberately generous estimate of the memory a simulation needs, made before anything is allocated so
/// that a job that cannot fit is refused up front with the figure (see docs/input-validation.md).
///
/// Arithmetic saturates at `Int.max`, so absurd sizes give an absurd estimate rather than an overflow.
public struct MemoryEstimate: Sendable, Equatable {
    /// Total bytes.
    public let bytes: Int
    /// The largest contribution, named for the error message (e.g. "per-step counts: 12.0 GiB").
    public let largestPart: String

    /// Builds an estimate from named parts.
    public init(parts: [(String, Int)]) {
        bytes = parts.reduce(0) { Self.add($0, $1.1) }
        let largest = parts.max { $0.1 < $1.1 }
        largestPart = largest.map { "\($0.0): \(MemoryLimit.describe($0.1))" } ?? "nothing"
    }

    /// A run of `network` over `samples` samples of `sampleElements` values each for `timesteps` steps on
    /// `threads` threads: parameters in several layouts, neuron state per thread and lane, the count tables
    /// (per step, per sample and, when recorded, per sample and step), predictions and one block of data.
    public static func simulation(network: Network, timesteps: Int, samples: Int, sampleElements: Int, threads: Int,
                                  recordsPerSampleSteps: Bool) -> MemoryEstimate {
        let layers = network.nodes.count
        let parameters = network.nodes.reduce(0) { total, node in
            node.kind.namedTensors.reduce(total) { add($0, $1.1.count) }
        }
        let neurons = network.outputShapes.reduce(0) { add($0, ShapeArithmetic.elementCount($1) ?? Int.max) }
        // Weights may be held dense, transposed and as tap lists at once; 8 bytes per value each time.
        let weightBytes = times(parameters, 3 * 8)
        // Potential, current, input accumulators and scratch: about 8 four-byte values per neuron per lane,
        // up to 8 lanes per thread.
        let stateBytes = times(times(neurons, 8 * 4 * 8), max(threads, 1))
        let metrics = 6
        let perStep = times(times(timesteps, layers), metrics * 8 * (max(threads, 1) + 1))
        let perSample = times(times(samples, layers), metrics * 8)
        let perSampleStep = recordsPerSampleSteps ? times(times(times(samples, timesteps), layers), metrics * 8) : 0
        let predictions = times(times(samples, timesteps), 8)
        let block = times(times(256, sampleElements), 4 * 2)
        return MemoryEstimate(parts: [("parameters", weightBytes), ("neuron state", stateBytes), ("per-step counts", perStep),
                                      ("per-sample counts", perSample), ("per-sample, per-step counts", perSampleStep),
                                      ("predictions", predictions), ("a block of input data", block)])
    }

    static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    static func times(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }
}
