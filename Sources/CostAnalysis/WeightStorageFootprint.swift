import NetworkModel

/// Precision at which weights are stored.
public enum WeightPrecision: String, Sendable, CaseIterable, Codable {
    case fp32, fp16, int8

    /// Bytes per stored weight value.
    public var bytes: Int {
        switch self {
        case .fp32: return 4
        case .fp16: return 2
        case .int8: return 1
        }
    }
}

/// How a weight matrix is laid out in memory.
public enum WeightStorageFormat: String, Sendable, CaseIterable, Codable {
    /// Every weight, zeros included.
    case dense
    /// Compressed sparse rows: non-zero values, their column indices and one row pointer per row plus one.
    case csr
    /// One bit per weight saying whether it is non-zero, plus the non-zero values.
    case bitmask
    /// Coordinate list: each non-zero value with its row and column index.
    case coo
}

/// Bytes needed to store one layer's weights in each format at each precision.
///
/// The weight is viewed as a matrix with one row per output channel or unit (`weight.shape[0]`) and the
/// remaining dimensions as columns. Index widths are the smallest of 1, 2, 4 or 8 bytes that hold the largest index.
public struct WeightStorageFootprint: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let nonZeros: Int

    public init(rows: Int, columns: Int, nonZeros: Int) {
        self.rows = rows
        self.columns = columns
        self.nonZeros = nonZeros
    }

    /// The smallest unsigned index width, in bytes, that represents `maximum`.
    public static func indexBytes(toHold maximum: Int) -> Int {
        switch maximum {
        case ...0xFF: return 1
        case ...0xFFFF: return 2
        case ...0xFFFF_FFFF: return 4
        default: return 8
        }
    }

    /// Bytes for `format` at `precision`.
    public func bytes(_ format: WeightStorageFormat, _ precision: WeightPrecision) -> Int {
        bytes(format, valueBits: precision.bytes * 8)
    }

    /// Bytes for `format` with weight values of `valueBits` bits each (values packed, rounded up to whole bytes
    /// once per array), for precisions such as 1-bit or 9-bit synapses on neuromorphic chips.
    public func bytes(_ format: WeightStorageFormat, valueBits: Int) -> Int {
        let count = rows * columns
        let valueBytes = (nonZeros * valueBits + 7) / 8
        switch format {
        case .dense:
            return (count * valueBits + 7) / 8
        case .csr:
            let columnIndex = Self.indexBytes(toHold: max(columns - 1, 0))
            let rowPointer = Self.indexBytes(toHold: nonZeros)
            return valueBytes + nonZeros * columnIndex + (rows + 1) * rowPointer
        case .bitmask:
            return (count + 7) / 8 + valueBytes
        case .coo:
            let rowIndex = Self.indexBytes(toHold: max(rows - 1, 0))
            let columnIndex = Self.indexBytes(toHold: max(columns - 1, 0))
            return valueBytes + nonZeros * (rowIndex + columnIndex)
        }
    }

    /// Index bits read per non-zero weight fetched in `format`: none for dense, the column index for CSR,
    /// row and column for COO, and for a bitmask the mask bits scanned per non-zero (`n / nnz` on average).
    public func indexBitsPerNonZero(_ format: WeightStorageFormat) -> Double {
        switch format {
        case .dense: return 0
        case .csr: return Double(Self.indexBytes(toHold: max(columns - 1, 0)) * 8)
        case .coo: return Double((Self.indexBytes(toHold: max(rows - 1, 0)) + Self.indexBytes(toHold: max(columns - 1, 0))) * 8)
        case .bitmask: return nonZeros == 0 ? 0 : Double(rows * columns) / Double(nonZeros)
        }
    }

    /// The format with the fewest bytes for `valueBits`-bit values (dense wins ties).
    public func smallestFormat(valueBits: Int) -> WeightStorageFormat {
        WeightStorageFormat.allCases.min { bytes($0, valueBits: valueBits) < bytes($1, valueBits: valueBits) }!
    }

    /// The format with the fewest bytes at `precision` (dense wins ties: it needs no index logic).
    public func smallestFormat(_ precision: WeightPrecision) -> WeightStorageFormat {
        WeightStorageFormat.allCases.min { bytes($0, precision) < bytes($1, precision) }!
    }
}

extension WeightStorageFootprint {
    /// The footprint of an Affine, Linear or convolution node's weights (nil for other nodes).
    public init?(of node: Node) {
        switch node.kind {
        case .affine(let weight, _), .linear(let weight):
            self.init(rows: weight.shape[0], columns: weight.shape[1], nonZeros: weight.nonZeroCount)
        case .convolution(let conv):
            self.init(rows: conv.outputChannels, columns: conv.fanIn, nonZeros: conv.weight.nonZeroCount)
        default:
            return nil
        }
    }
}
