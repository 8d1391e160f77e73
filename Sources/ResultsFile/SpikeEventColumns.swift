import HDF5Kit

/// One node's spike events in a results file (`/traces/spikes/<node>`, layout in docs/results-schema.md): the
/// `neuron` column, in the narrowest unsigned integer that holds the node's neurons and without filters, and the
/// `step_start` index (N · T + 1 row offsets) that says which rows belong to which sample and step.
///
/// Sample and step are implied by `step_start` rather than stored per spike, and nothing is compressed, because
/// writing must cost a few nanoseconds per spike: deflating (sample, step, neuron) rows cost several times the
/// simulation itself (Benchmarks/RESULTS.md, "Tracing").
final class SpikeEventColumns {
    private let neuron: HDF5Dataset
    private let stepStart: HDF5Dataset
    /// Whether neuron indices are stored as `UInt16` (at most 65,536 neurons); `UInt32` otherwise.
    private let narrow: Bool
    private let timesteps: Int
    private let context: String
    /// Rows written so far.
    private var rows: Int64 = 0
    /// The first row of each appended sample, then `rows` (becomes `sample_start`).
    private var sampleStarts: [Int64] = [0]

    init(group: HDF5Group, neurons: Int, timesteps: Int, context: String) throws {
        narrow = neurons <= Int(UInt16.max) + 1
        self.timesteps = timesteps
        self.context = context
        // 256 KiB chunks: a block's append is a few big copies, through libhdf5's 1 MiB chunk cache, and a node
        // with few spikes wastes at most one partly filled chunk on disk.
        let chunkBytes = 1 << 18
        if narrow {
            neuron = try group.createDataset("neuron", of: UInt16.self, shape: [0], maxShape: [nil], chunks: [chunkBytes / 2])
        } else {
            neuron = try group.createDataset("neuron", of: UInt32.self, shape: [0], maxShape: [nil], chunks: [chunkBytes / 4])
        }
        try neuron.setAttribute("units", string: "flat neuron index (numpy.unravel_index with the group's shape)")
        stepStart = try group.createDataset("step_start", of: Int64.self, shape: [0], maxShape: [nil],
                                            chunks: [8_192])  // 64 KiB: T + 1 offsets per sample
        try stepStart.setAttribute("units", string: "row: sample i's spikes at step t are rows step_start[i · T + t] ..< step_start[i · T + t + 1]")
        try stepStart.append([Int64(0)])
    }

    /// Appends one block's events: `neurons` in sample, step, neuron order and `stepStarts`, the block's
    /// `samples · T + 1` row offsets starting at 0.
    func append(neurons: [Int32], stepStarts: [Int64], samples: Int) throws {
        guard stepStarts.count == samples * timesteps + 1, stepStarts.first == 0,
              stepStarts.last == Int64(neurons.count) else {
            throw SpikeEventColumnsError("\(context): a block of \(samples) samples came with \(stepStarts.count) step offsets "
                + "ending at \(stepStarts.last ?? -1) for \(neurons.count) spikes (expected \(samples * timesteps + 1) ending there)")
        }
        try neurons.withUnsafeBufferPointer { source in
            if narrow {
                try appendNarrowed(source, as: UInt16.self)
            } else {
                try appendNarrowed(source, as: UInt32.self)
            }
        }
        let base = rows
        try stepStart.append(stepStarts.dropFirst().map { $0 + base })
        for sample in 0..<samples { sampleStarts.append(base + stepStarts[(sample + 1) * timesteps]) }
        rows += Int64(neurons.count)
    }

    private func appendNarrowed<T: HDF5Numeric & FixedWidthInteger>(_ source: UnsafeBufferPointer<Int32>, as type: T.Type) throws {
        guard !source.isEmpty else { return }
        let narrowed = UnsafeMutableBufferPointer<T>.allocate(capacity: source.count)
        defer { narrowed.deallocate() }
        for index in source.indices { narrowed[index] = T(truncatingIfNeeded: source[index]) }
        try neuron.append(UnsafeBufferPointer(narrowed))
    }

    /// Completes `step_start` to `samples` samples (those whose traces were never appended have no events) and
    /// writes `sample_start` (N + 1; equal to `step_start[::T]`) into `group`.
    func finish(samples: Int, in group: HDF5Group) throws {
        let appended = sampleStarts.count - 1
        guard appended <= samples else {
            throw SpikeEventColumnsError("\(context): traces of \(appended) samples were written for a run of \(samples)")
        }
        if appended < samples {
            try stepStart.append([Int64](repeating: rows, count: (samples - appended) * timesteps))
            sampleStarts += [Int64](repeating: rows, count: samples - appended)
        }
        let dataset = try group.writeDataset("sample_start", sampleStarts, shape: [sampleStarts.count])
        try dataset.setAttribute("units", string: "row: sample i's events are rows sample_start[i] ..< sample_start[i + 1]")
    }
}

/// Spike events that do not fit the layout being written (a writer bug, never bad input).
struct SpikeEventColumnsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
