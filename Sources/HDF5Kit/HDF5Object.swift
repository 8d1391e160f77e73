/// Common base of files, groups and datasets: where the object lives, its lifetime, and (through the
/// extension in HDF5Attributes.swift) its attributes.
public class HDF5Object {
    /// Owns the libhdf5 identifier and knows the object's file and path for error messages.
    let handle: HDF5Handle

    init(handle: HDF5Handle) {
        self.handle = handle
    }

    /// The file path as given when the file was opened.
    public var filePath: String { handle.context.file }

    /// Absolute path of the object inside the file (`"/"` for the file's root group).
    public var path: String { handle.context.objectPath }

    /// Whether `close()` has not been called yet; a closed object throws on every operation.
    public var isOpen: Bool { handle.isOpen }

    /// Releases the underlying libhdf5 identifier now instead of at deallocation. Safe to call more than once.
    ///
    /// Objects opened through this one stay usable: a file is only really closed once its last object is.
    public func close() {
        handle.close()
    }
}
