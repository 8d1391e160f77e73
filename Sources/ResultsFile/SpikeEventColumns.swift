import HDF5Kit

/// One node's spike events in a results file (`/traces/spikes/<node>`, layout in docs/results-schema.md): the
/// `neuron` column, in the narrowest unsigned integer that holds the node's neurons and without filters, and the
/// `step_start` index (N · T + 1 row offsets) that says which rows belong to which sample and step.
///
/// Sample and step are implied by `step_start` rather than stored per spike, and nothing is compressed, because
/// writing must cost a few nanoseconds per spike: deflating (sample, step, neuron) rows cost several times the
/// simulation itself (Benchmarks/RESULTS.md, "Tracing").
final class SpikeEventColumns {
    /// The `neuron` column, as `UInt16` (at most 65,536 neurons) or `UInt32`.
    private enum NeuronColumn {
        case narrow(HDF5RowAppender<UInt16>)
        case wide(HDF5RowAppender<UInt32>)
    }

    private let neuron: NeuronColumn
    private let stepStart: HDF5RowAppender<Int64>
    private let timesteps: Int
    private let context: String
    /// Rows written so far.
    private var rows: Int64 = 0
    /// The first row of each appended sample, then `rows` (becomes `sample_start`).
    private var sampleStarts: [Int64] = [0]

    init(group: HDF5Group, neurons: Int, timesteps: Int, context: String) throws {
        self.timesteps = timesteps
        self.context = context
        // 256 KiB chunks, filled in memory and written whole: a node with few spikes wastes at most one partly
        // filled chunk on disk.
        let chunkBytes = 1 << 18
        let neuronSet: HDF5Dataset
        if neurons <= Int(UInt16.max) + 1 {
            neuronSet = try group.createDataset("neuron", of: UInt16.self, shape: [0], maxShape: [nil], chunks: [chunkBytes / 2])
            neuron = .narrow(try HDF5RowAppender(neuronSet))
        } else {
            neuronSet = try group.createDataset("neuron", of: UInt32.self, shape: [0], maxShape: [nil], chunks: [chunkBytes / 4])
            neuron = .wide(try HDF5RowAppender(neuronSet))
        }
        try neuronSet.setAttribute("units", string: "flat neuron index (numpy.unravel_index with the group's shape)")
        let stepStartSet = try group.createDataset("step_start", of: Int64.self, shape: [0], maxShape: [nil],
                                                   chunks: [8_192])  // 64 KiB: T + 1 offsets per sample
        try stepStartSet.setAttribute("units", string: "row: sample i's spikes at step t are rows step_start[i · T + t] ..< step_start[i · T + t + 1]")
        stepStart = try HDF5RowAppender(stepStartSet)
        try append(stepStarts: [0])
    }

    /// Appends one block's events: per sample, the neurons in step order and the spikes of each step (T counts
    /// summing to that sample's neurons).
    func append(neurons: [[Int32]], stepCounts: [[Int]]) throws {
        guard neurons.count == stepCounts.count else {
            throw SpikeEventColumnsError("\(context): a block came with neurons of \(neurons.count) samples and step counts of \(stepCounts.count)")
        }
        var starts: [Int64] = []
        starts.reserveCapacity(neurons.count * timesteps)
        var row = rows
        for (sample, counts) in stepCounts.enumerated() {
            guard counts.count == timesteps, counts.reduce(0, +) == neurons[sample].count else {
                throw SpikeEventColumnsError("\(context): a sample came with \(counts.count) step counts summing to "
                    + "\(counts.reduce(0, +)) for \(neurons[sample].count) spikes (expected \(timesteps) summing to that)")
            }
            for count in counts {
                row += Int64(count)
                starts.append(row)
            }
        }
        for piece in neurons {
            try piece.withUnsafeBufferPointer { source in
                switch neuron {
                case .narrow(let column): try column.append(narrowing: source)
                case .wide(let column): try column.append(narrowing: source)
                }
            }
        }
        try append(stepStarts: starts)
        for sample in neurons.indices { sampleStarts.append(starts[(sample + 1) * timesteps - 1]) }
        rows = row
    }

    /// Makes the file hold every event appended so far (before the file is flushed).
    func flush() throws {
        switch neuron {
        case .narrow(let column): try column.flush()
        case .wide(let column): try column.flush()
        }
        try stepStart.flush()
    }

    /// Completes `step_start` to `samples` samples (those whose traces were never appended have no events),
    /// writes `sample_start` (N + 1; equal to `step_start[::T]`) into `group`, and flushes the columns.
    func finish(samples: Int, in group: HDF5Group) throws {
        let appended = sampleStarts.count - 1
        guard appended <= samples else {
            throw SpikeEventColumnsError("\(context): traces of \(appended) samples were written for a run of \(samples)")
        }
        if appended < samples {
            try append(stepStarts: [Int64](repeating: rows, count: (samples - appended) * timesteps))
            sampleStarts += [Int64](repeating: rows, count: samples - appended)
        }
        try flush()
        let dataset = try group.writeDataset("sample_start", sampleStarts, shape: [sampleStarts.count])
        try dataset.setAttribute("units", string: "row: sample i's events are rows sample_start[i] ..< sample_start[i + 1]")
    }

    private func append(stepStarts: [Int64]) throws {
        try stepStarts.withUnsafeBufferPointer { try stepStart.append($0) }
    }
}

extension HDF5RowAppender where Element: FixedWidthInteger {
    /// Appends neuron indices converted to `Element` (which holds every index of the node).
    fileprivate func append(narrowing source: UnsafeBufferPointer<Int32>) throws {
        try append(count: source.count) { span, offset in
            for index in span.indices { span[index] = Element(truncatingIfNeeded: source[offset &+ index]) }
        }
    }
}

/// Spike events that do not fit the layout being written (a writer bug, never bad input).
struct SpikeEventColumnsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
