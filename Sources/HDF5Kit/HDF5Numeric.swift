internal import CHDF5

/// The fixed-width number formats HDF5Kit stores; each `HDF5Numeric` type names the one it is stored as.
public enum HDF5NumericKind: Sendable, CaseIterable {
    /// Signed two's-complement integers of 1, 2, 4 and 8 bytes.
    case int8, int16, int32, int64
    /// Unsigned integers of 1, 2, 4 and 8 bytes.
    case uint8, uint16, uint32, uint64
    /// IEEE 754 single and double precision.
    case float32, float64

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// The element type a dataset or attribute created from this kind reports.
    public var elementType: HDF5ElementType {
        switch self {
        case .int8, .int16, .int32, .int64: .signedInteger(bytes: byteCount)
        case .uint8, .uint16, .uint32, .uint64: .unsignedInteger(bytes: byteCount)
        case .float32, .float64: .float(bytes: byteCount)
        }
    }

    /// libhdf5's native (in-memory, host byte order) type for this kind.
    var memoryType: hid_t {
        switch self {
        case .int8: chdf5_t_native_int8()
        case .int16: chdf5_t_native_int16()
        case .int32: chdf5_t_native_int32()
        case .int64: chdf5_t_native_int64()
        case .uint8: chdf5_t_native_uint8()
        case .uint16: chdf5_t_native_uint16()
        case .uint32: chdf5_t_native_uint32()
        case .uint64: chdf5_t_native_uint64()
        case .float32: chdf5_t_native_float()
        case .float64: chdf5_t_native_double()
        }
    }

    /// The on-disk type: always little-endian, so files are identical whatever machine wrote them.
    var fileType: hid_t {
        switch self {
        case .int8: chdf5_t_std_i8le()
        case .int16: chdf5_t_std_i16le()
        case .int32: chdf5_t_std_i32le()
        case .int64: chdf5_t_std_i64le()
        case .uint8: chdf5_t_std_u8le()
        case .uint16: chdf5_t_std_u16le()
        case .uint32: chdf5_t_std_u32le()
        case .uint64: chdf5_t_std_u64le()
        case .float32: chdf5_t_ieee_f32le()
        case .float64: chdf5_t_ieee_f64le()
        }
    }
}

/// A Swift number type that HDF5Kit can read and write element by element.
///
/// Conforming types are plain fixed-width values laid out exactly like their `hdf5NumericKind`
/// (HDF5Kit verifies the size before every transfer, so a wrong conformance fails with an error, not memory corruption).
public protocol HDF5Numeric: Sendable, BitwiseCopyable {
    /// The HDF5 number format this type is stored as and read into.
    static var hdf5NumericKind: HDF5NumericKind { get }
}

extension Int8: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .int8 } }
extension Int16: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .int16 } }
extension Int32: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .int32 } }
extension Int64: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .int64 } }
extension UInt8: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .uint8 } }
extension UInt16: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .uint16 } }
extension UInt32: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .uint32 } }
extension UInt64: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .uint64 } }
extension Float: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .float32 } }
extension Double: HDF5Numeric { public static var hdf5NumericKind: HDF5NumericKind { .float64 } }

/// `Int` is stored as a 64-bit integer (32-bit on 32-bit platforms), matching its in-memory size.
extension Int: HDF5Numeric {
    public static var hdf5NumericKind: HDF5NumericKind { MemoryLayout<Int>.size == 8 ? .int64 : .int32 }
}

extension HDF5Numeric {
    /// The native memory type of `Self`, after checking that the conformance matches the memory layout.
    static func verifiedMemoryType(_ context: HDF5ObjectContext) throws(HDF5Error) -> hid_t {
        guard MemoryLayout<Self>.size == hdf5NumericKind.byteCount else {
            throw context.error("\(Self.self) is \(MemoryLayout<Self>.size) bytes but declares HDF5 kind "
                + "\(hdf5NumericKind) (\(hdf5NumericKind.byteCount) bytes)")
        }
        return hdf5NumericKind.memoryType
    }
}
