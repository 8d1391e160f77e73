internal import CHDF5

/// How a group member is linked. Only hard links name an object of the same file directly; soft and external
/// links are paths resolved on access, so they can dangle, form cycles, or reach into other files.
public enum HDF5LinkKind: Sendable, Equatable {
    /// A direct link to an object in this file.
    case hard
    /// A path inside this file, resolved when used.
    case soft
    /// A file name and a path in that file.
    case external
    /// A link class registered by an application.
    case userDefined

    init?(code: Int32) {
        switch code {
        case Int32(H5L_TYPE_HARD.rawValue): self = .hard
        case Int32(H5L_TYPE_SOFT.rawValue): self = .soft
        case Int32(H5L_TYPE_EXTERNAL.rawValue): self = .external
        case let other where other >= 0: self = .userDefined
        default: return nil
        }
    }

    /// Words for messages ("a soft link").
    public var description: String {
        switch self {
        case .hard: "a hard link"
        case .soft: "a soft link"
        case .external: "an external link"
        case .userDefined: "a user-defined link"
        }
    }
}

/// The identity of an object within an open file: two hard links to one group give equal identities.
public struct HDF5ObjectIdentity: Hashable, Sendable {
    let fileNumber: UInt
    let bytes: [UInt8]
}
