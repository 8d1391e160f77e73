import HDF5Kit

/// Samples in an HDF5 file: `images` (float, shape (N, …)) or, for recorded spike trains, `spikes`
/// (shape (N, T, …)), with integer `labels` (N). Samples are read in blocks, so memory does not grow
/// with the file.
public final class SampleDataset {
    public let path: String
    /// The dataset holding the samples (`images` or `spikes`).
    public let samplesName: String
    /// Number of samples (N).
    public let sampleCount: Int
    /// The shape of one sample (everything after N).
    public let sampleShape: [Int]
    /// Elements in one sample (checked not to overflow).
    public let sampleElementCount: Int
    /// The stored element type of the samples (integer images are raw pixels that were never scaled).
    public let sampleElementType: HDF5ElementType
    /// Labels, when the file has them.
    public let labels: [Int]?

    private let file: HDF5File
    private let samples: HDF5Dataset
    /// The last block `statistics` read, kept for the first `read` within it: a run checks its samples and then
    /// reads the same ones to simulate them, and inflating them twice was a visible part of a short run's start.
    /// Dropped by the first read it does not hold and by the read that reaches its end.
    private var checkedBlock: (range: Range<Int>, values: [Float])?

    /// Samples read per block by `statistics`, and the most a caller should read at once.
    public static let rowsPerBlock = 256

    /// Opens `path`, preferring `spikes` over `images` when `preferSpikes` is set.
    ///
    /// Refused up front: sizes that overflow, labels or a block of samples that would take more than
    /// `maxMemoryBytes`, non-numeric samples, and labels that are not integers.
    public init(path: String, preferSpikes: Bool = false, maxMemoryBytes: Int = Int.max) throws(SampleDataError) {
        self.path = path
        do {
            file = try HDF5File(path: path, mode: .readOnly)
        } catch {
            throw SampleDataError(file: path, "cannot open as HDF5 (\((error as? HDF5Error)?.message ?? "\(error)"))")
        }
        let candidates = preferSpikes ? ["spikes", "images"] : ["images", "spikes"]
        let opened = file
        guard let name = candidates.first(where: { opened.exists($0) }) else {
            throw SampleDataError(file: path, "no 'images' dataset (float32, shape (N, …)) and no 'spikes' dataset (N, T, …)")
        }
        samplesName = name
        do {
            try Self.requireHardLink(name, in: file, path: path)
            samples = try file.openDataset(name)
            let shape = try samples.shape
            guard shape.count >= 1 else { throw SampleDataError(file: path, dataset: name, "expected shape (N, …), found a scalar") }
            sampleElementType = try samples.elementType
            switch sampleElementType {
            case .float, .signedInteger, .unsignedInteger, .enumeration: break
            case let other: throw SampleDataError(file: path, dataset: name, "expected numbers, found \(other)")
            }
            sampleCount = shape[0]
            sampleShape = Array(shape.dropFirst())
            guard let elements = Self.elementCount(sampleShape), elements > 0 else {
                throw SampleDataError(file: path, dataset: name, "sample shape \(sampleShape) is empty or its size overflows")
            }
            sampleElementCount = elements
            // One block of samples as Float, twice (read buffer and the copy a run keeps).
            let (blockBytes, overflow) = elements.multipliedReportingOverflow(by: Self.rowsPerBlock * 8)
            guard !overflow, blockBytes <= maxMemoryBytes else {
                throw SampleDataError(file: path, dataset: name, "samples of shape \(sampleShape) are too large to read \(Self.rowsPerBlock) at a time within the memory limit (--max-memory)")
            }
            if file.exists("labels") {
                try Self.requireHardLink("labels", in: file, path: path)
                labels = try Self.readLabels(file.openDataset("labels"), sampleCount: sampleCount, samplesName: name, path: path,
                                             maxMemoryBytes: maxMemoryBytes)
            } else {
                labels = nil
            }
        } catch let error as SampleDataError {
            throw error
        } catch {
            throw SampleDataError(file: path, dataset: name, "cannot read: \(error)")
        }
    }

    /// Samples `range`, concatenated row-major as Float.
    public func read(_ range: Range<Int>) throws(SampleDataError) -> [Float] {
        do {
            if let block = checkedBlock, block.range.lowerBound <= range.lowerBound,
               range.upperBound <= block.range.upperBound {
                if range.upperBound == block.range.upperBound { checkedBlock = nil }
                if range == block.range { return block.values }
                let start = (range.lowerBound - block.range.lowerBound) * sampleElementCount
                return Array(block.values[start..<(start + range.count * sampleElementCount)])
            }
            checkedBlock = nil  // its memory goes before the next read's is taken
            // Runs while a previous block's traces may be written on another thread.
            return try HDF5Library.serialized { try samples.readRows(range, as: Float.self) }
        } catch {
            throw SampleDataError(file: path, dataset: samplesName, "cannot read samples \(range.lowerBound)..<\(range.upperBound): \(error)")
        }
    }

    /// Whether the samples are stored as integers (raw pixels, or 0/1 spikes).
    public var hasIntegerSamples: Bool {
        switch sampleElementType {
        case .signedInteger, .unsignedInteger, .enumeration: true
        default: false
        }
    }

    /// One pass over the samples in `range`, block by block: NaN and infinite values and the finite range.
    public func statistics(_ range: Range<Int>) throws(SampleDataError) -> SampleStatistics {
        var statistics = SampleStatistics()
        var start = range.lowerBound
        while start < range.upperBound {
            let block = start..<min(start + Self.rowsPerBlock, range.upperBound)
            let values = try read(block)
            defer { if block.upperBound == range.upperBound { checkedBlock = (block, values) } }
            for (offset, value) in values.enumerated() {
                if value.isFinite {
                    statistics.minimum = min(statistics.minimum ?? value, value)
                    statistics.maximum = max(statistics.maximum ?? value, value)
                } else {
                    if statistics.nonFiniteCount == 0 { statistics.firstNonFiniteSample = block.lowerBound + offset / sampleElementCount }
                    statistics.nonFiniteCount += 1
                }
            }
            start = block.upperBound
        }
        return statistics
    }

    private static func readLabels(_ labelSet: HDF5Dataset, sampleCount: Int, samplesName: String, path: String,
                                   maxMemoryBytes: Int) throws -> [Int] {
        let labelShape = try labelSet.shape
        guard labelShape == [sampleCount] else {
            throw SampleDataError(file: path, dataset: "labels", "expected shape [\(sampleCount)] to match '\(samplesName)', found \(labelShape)")
        }
        guard sampleCount <= maxMemoryBytes / 16 else {
            throw SampleDataError(file: path, dataset: "labels", "\(sampleCount) labels exceed the memory limit (--max-memory)")
        }
        switch try labelSet.elementType {
        case .signedInteger, .unsignedInteger, .enumeration:
            return try labelSet.read(as: Int64.self).map { Int(clamping: $0) }
        case .float:
            // Float labels are accepted only when every one is a whole number (as numpy writes class indices).
            let values = try labelSet.read(as: Double.self)
            if let bad = values.firstIndex(where: { !($0.rounded() == $0 && abs($0) < 1e15) }) {
                throw SampleDataError(file: path, dataset: "labels", "labels must be integers; label \(bad) is \(values[bad])")
            }
            return values.map { Int($0) }
        case let other:
            throw SampleDataError(file: path, dataset: "labels", "expected integer class indices, found \(other)")
        }
    }

    private static func requireHardLink(_ name: String, in file: HDF5File, path: String) throws(SampleDataError) {
        guard let kind = try? file.linkKind(of: name) else { throw SampleDataError(file: path, dataset: name, "cannot read the link") }
        guard kind == .hard else {
            throw SampleDataError(file: path, dataset: name, "is \(kind.description); a data file holds plain datasets")
        }
    }

    private static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

/// What one pass over a data file's samples found.
public struct SampleStatistics: Sendable, Equatable {
    /// NaN and infinite values.
    public var nonFiniteCount = 0
    /// The first sample holding one.
    public var firstNonFiniteSample: Int?
    /// The smallest and largest finite values (nil when there are none).
    public var minimum: Float?
    public var maximum: Float?

    public init() {}
}
