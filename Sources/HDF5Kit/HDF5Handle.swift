internal import CHDF5

/// The kinds of libhdf5 identifiers HDF5Kit owns; each is released by a different close function.
enum HDF5IdentifierKind: Sendable {
    case file, group, dataset, attribute, dataspace, datatype, propertyList, object

    /// Releases `identifier` with the close function matching its kind.
    func close(_ identifier: hid_t) -> herr_t {
        switch self {
        case .file: H5Fclose(identifier)
        case .group: H5Gclose(identifier)
        case .dataset: H5Dclose(identifier)
        case .attribute: H5Aclose(identifier)
        case .dataspace: H5Sclose(identifier)
        case .datatype: H5Tclose(identifier)
        case .propertyList: H5Pclose(identifier)
        case .object: H5Oclose(identifier)
        }
    }
}

/// Owns one long-lived libhdf5 identifier (file, group or dataset) and closes it exactly once:
/// on an explicit `close()` or, failing that, when the owner is deallocated.
///
/// Files are opened with the "weak" close degree, so closing a file or group handle leaves the objects opened
/// through it usable until they are closed themselves.
final class HDF5Handle {
    let context: HDF5ObjectContext
    private let kind: HDF5IdentifierKind
    private var identifier: hid_t?

    init(adopting identifier: hid_t, kind: HDF5IdentifierKind, context: HDF5ObjectContext) {
        self.identifier = identifier
        self.kind = kind
        self.context = context
    }

    /// The identifier for the next libhdf5 call; throws once the handle has been closed.
    ///
    /// Also silences the calling thread's error stack, because every operation goes through here.
    func identifierForUse() throws(HDF5Error) -> hid_t {
        guard let identifier else { throw context.error("object has been closed") }
        HDF5ErrorStack.silenceCurrentThread()
        return identifier
    }

    /// Whether `close()` has not been called yet.
    var isOpen: Bool { identifier != nil }

    /// Closes the identifier; later calls do nothing.
    func close() {
        guard let identifier else { return }
        self.identifier = nil
        HDF5ErrorStack.silenceCurrentThread()
        // A failing close cannot be reported from deinit, and the identifier is unusable afterwards either way.
        _ = kind.close(identifier)
    }

    deinit { close() }
}

/// Runs `body` with a short-lived identifier (dataspace, datatype, property list, attribute…) and closes it
/// afterwards, whether `body` returns or throws.
///
/// A closure scope (rather than a class with `deinit`) guarantees the identifier stays open for the whole body:
/// ARC may end an object's lifetime right after its last use, i.e. before the C call that needs it.
func withTemporaryIdentifier<Result>(
    _ identifier: hid_t,
    kind: HDF5IdentifierKind,
    context: HDF5ObjectContext,
    failure message: @autoclosure () -> String,
    _ body: (hid_t) throws -> Result
) throws -> Result {
    let checkedIdentifier = try context.checkID(identifier, message())
    defer { _ = kind.close(checkedIdentifier) }
    return try body(checkedIdentifier)
}
