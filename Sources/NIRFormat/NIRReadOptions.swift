import HDF5Kit
import NetworkModel

/// How the NIR reader treats fields it does not know and how much memory the network's parameters may take.
public struct NIRReadOptions: Sendable {
    /// Read a node whose group holds a field this NeuroCost does not know (one a newer NIR version might add),
    /// skipping that field and listing it in `NIRDocument.ignoredFields`, instead of refusing the file.
    public var ignoreUnknownFields: Bool
    /// The most the parameter tensors may take once read; a file declaring more is refused before reading.
    public var maxMemoryBytes: Int
    /// Threads that may decode compressed parameter tensors (nil: every online core); a job limited to fewer
    /// cores passes its limit.
    public var threads: Int?

    /// Nested sub-graphs deeper than this are refused (real networks nest two or three levels).
    public static let maxGraphDepth = 32
    /// Integer fields (shapes, strides, padding, dilation, kernel sizes, groups, dims) must lie within ±this.
    public static let maxIntegerMagnitude = Int(Int32.max)
    /// Integer fields hold at most this many values (they are shapes or per-axis settings).
    public static let maxIntegerCount = 16

    public init(ignoreUnknownFields: Bool = false, maxMemoryBytes: Int = MemoryLimit.defaultBytes, threads: Int? = nil) {
        self.ignoreUnknownFields = ignoreUnknownFields
        self.maxMemoryBytes = maxMemoryBytes
        self.threads = threads
    }
}

/// A field the reader skipped under `NIRReadOptions.ignoreUnknownFields`.
public struct IgnoredField: Sendable, Equatable, CustomStringConvertible {
    public let node: String
    public let field: String

    public init(node: String, field: String) {
        self.node = node
        self.field = field
    }

    public var description: String { "node '\(node)': field '\(field)'" }
}

/// State shared by every node reader of one file: the options, what was skipped, the memory committed so far, and
/// the values finished after the walk (tensors decoded on the pool meanwhile, the nodes made of them).
final class NIRReadSession {
    let file: String
    let options: NIRReadOptions
    var ignoredFields: [IgnoredField] = []
    var committedBytes = 0
    /// Inflates tensors' chunks while the walk goes on with libhdf5 (which stays on the reading thread).
    let pool: HDF5DecodingPool
    /// Every value not finished when it was made, in the order the walk made it.
    private var pending: [any NIRSettling] = []
    /// Raw chunk bytes read since the last settle: the walk may run ahead of decoding only this far.
    private var rawBytesAhead = 0

    /// How many raw chunk bytes the walk may hold for decodings not yet finished, at most (and at most the memory
    /// limit): a file of many tensors whose chunks claim large extents of the file cannot make the reader hold them all.
    static let readAheadBytes = 256 << 20

    init(file: String, options: NIRReadOptions) {
        self.file = file
        self.options = options
        pool = HDF5DecodingPool(threads: options.threads)
    }

    /// A value finished later by `finish`, registered behind every value the walk made before it.
    func later<Value>(_ finish: @escaping () throws(NIRError) -> Value) -> NIRPending<Value> {
        let value = NIRPending(finish)
        pending.append(value)
        return value
    }

    /// Counts `bytes` of raw chunks held for a decoding; past the read-ahead allowance, finishes everything
    /// registered so far first (its errors are earlier in the walk's order than anything after this point).
    func holdRawBytes(_ bytes: Int) throws(NIRError) {
        rawBytesAhead += bytes
        guard rawBytesAhead > min(Self.readAheadBytes, options.maxMemoryBytes) else { return }
        try settle()
        rawBytesAhead = 0
    }

    /// Finishes every registered value in the order the walk made them, throwing the first failure: the error an
    /// unsplit walk would have met first among them.
    func settle() throws(NIRError) {
        for value in pending {
            if let error = value.settle() { throw error }
        }
    }

    /// Drops the decodings not yet started, waits for the running ones and stops the pool's threads.
    func close() {
        pool.close()
        pending = []
    }
}
