internal import CHDF5

/// What one element of a dataset or attribute is, as stored in the file.
public enum HDF5ElementType: Equatable, Sendable, CustomStringConvertible {
    /// Two's-complement integer of the given width.
    case signedInteger(bytes: Int)
    /// Unsigned integer of the given width.
    case unsignedInteger(bytes: Int)
    /// IEEE floating point number of the given width.
    case float(bytes: Int)
    /// Text; variable-length strings are what h5py reads as `str`, fixed-length ones as `bytes`.
    case string(variableLength: Bool)
    /// Enumeration over an integer base type (h5py stores `bool` this way); numeric reads use the base integers.
    case enumeration(baseBytes: Int)
    /// Anything else (compound, array, reference, opaque…), named by its HDF5 class.
    case other(String)

    /// Short human-readable form used in error messages, e.g. `"int32"`, `"float64"`, `"variable-length string"`.
    public var description: String {
        switch self {
        case .signedInteger(let bytes): "int\(bytes * 8)"
        case .unsignedInteger(let bytes): "uint\(bytes * 8)"
        case .float(let bytes): "float\(bytes * 8)"
        case .string(let variableLength): variableLength ? "variable-length string" : "fixed-length string"
        case .enumeration(let baseBytes): "enum (\(baseBytes)-byte base)"
        case .other(let className): className
        }
    }

    /// Whether `read(as:)`/`attribute(_:as:)` can deliver this element type as numbers.
    public var isNumeric: Bool {
        switch self {
        case .signedInteger, .unsignedInteger, .float, .enumeration: true
        case .string, .other: false
        }
    }

    /// Classifies a libhdf5 datatype.
    init(datatype: hid_t, context: HDF5ObjectContext) throws(HDF5Error) {
        let typeClass = H5Tget_class(datatype)
        let byteCount = H5Tget_size(datatype)
        guard typeClass != H5T_NO_CLASS, byteCount > 0 else {
            throw context.libraryError("cannot determine element type")
        }
        switch typeClass {
        case H5T_INTEGER:
            let sign = H5Tget_sign(datatype)
            guard sign != H5T_SGN_ERROR else { throw context.libraryError("cannot determine integer signedness") }
            self = sign == H5T_SGN_NONE ? .unsignedInteger(bytes: byteCount) : .signedInteger(bytes: byteCount)
        case H5T_FLOAT:
            self = .float(bytes: byteCount)
        case H5T_STRING:
            let isVariable = try context.checkTruth(H5Tis_variable_str(datatype), "cannot inspect string type")
            self = .string(variableLength: isVariable)
        case H5T_ENUM:
            // An enum has the same size as its integer base type.
            self = .enumeration(baseBytes: byteCount)
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("variable-length sequence")
        case H5T_BITFIELD: self = .other("bitfield")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_TIME: self = .other("time")
        default: self = .other("unknown type class \(typeClass.rawValue)")
        }
    }
}
