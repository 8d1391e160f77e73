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
    /// Labels, when the file has them.
    public let labels: [Int]?

    private let file: HDF5File
    private let samples: HDF5Dataset

    /// Opens `path`, preferring `spikes` over `images` when `preferSpikes` is set.
    public init(path: String, preferSpikes: Bool = false) throws(SampleDataError) {
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
            samples = try file.openDataset(name)
            let shape = try samples.shape
            guard shape.count >= 1 else { throw SampleDataError(file: path, dataset: name, "expected shape (N, …), found a scalar") }
            switch try samples.elementType {
            case .float, .signedInteger, .unsignedInteger, .enumeration: break
            case let other: throw SampleDataError(file: path, dataset: name, "expected numbers, found \(other)")
            }
            sampleCount = shape[0]
            sampleShape = Array(shape.dropFirst())
            if file.exists("labels") {
                let labelSet = try file.openDataset("labels")
                let labelShape = try labelSet.shape
                guard labelShape == [sampleCount] else {
                    throw SampleDataError(file: path, dataset: "labels", "expected shape [\(sampleCount)] to match '\(name)', found \(labelShape)")
                }
                labels = try labelSet.read(as: Int64.self).map { Int($0) }
            } else {
                labels = nil
            }
        } catch let error as SampleDataError {
            throw error
        } catch {
            throw SampleDataError(file: path, dataset: name, "cannot read: \(error)")
        }
    }

    /// Elements in one sample.
    public var sampleElementCount: Int { sampleShape.reduce(1, *) }

    /// Samples `range`, concatenated row-major as Float.
    public func read(_ range: Range<Int>) throws(SampleDataError) -> [Float] {
        do {
            return try samples.readRows(range, as: Float.self)
        } catch {
            throw SampleDataError(file: path, dataset: samplesName, "cannot read samples \(range.lowerBound)..<\(range.upperBound): \(error)")
        }
    }
}
