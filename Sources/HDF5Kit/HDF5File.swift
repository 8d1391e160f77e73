import Foundation
internal import CHDF5

/// How `HDF5File` opens its path.
public enum HDF5FileMode: Sendable {
    /// Open an existing file for reading.
    case readOnly
    /// Open an existing file for reading and writing.
    case readWrite
    /// Create a new file; fails if the path already exists.
    case createNew
    /// Create a new file, overwriting any existing one.
    case truncate

    /// Whether the mode creates the file. Created files are not locked: NeuroCost creates files under a temporary
    /// name no other process opens and renames them when complete, and a lock on them could outlive `close()` in a
    /// child process another thread is starting at that moment, failing the next open of the finished file.
    var creates: Bool { self == .createNew || self == .truncate }
}

/// An open HDF5 file; as a group it is the root group `"/"`.
///
/// libhdf5 locks files it has open for writing, so other processes (e.g. h5py) can read a file written here
/// only after it has been closed, along with every group and dataset opened from it.
public final class HDF5File: HDF5Group {
    /// The mode the file was opened with.
    public let mode: HDF5FileMode

    /// Opens or creates the file at `path`.
    ///
    /// Missing files, directories, files that are not HDF5, and truncated or damaged HDF5 files all throw an
    /// `HDF5Error` whose message says which of these it is.
    public init(path: String, mode: HDF5FileMode) throws {
        HDF5ErrorStack.silenceCurrentThread()
        let context = HDF5ObjectContext(file: path, objectPath: "/", fileMapping: mode == .readOnly ? HDF5FileMapping() : nil)
        let fileIdentifier = try Self.withFileAccessPropertyList(context: context) { accessProperties in
            if mode.creates { _ = chdf5_disable_file_locking(accessProperties) }
            switch mode {
            case .readOnly:
                return try Self.openExisting(path, flags: chdf5_f_acc_rdonly(), accessProperties, context)
            case .readWrite:
                return try Self.openExisting(path, flags: chdf5_f_acc_rdwr(), accessProperties, context)
            case .createNew:
                // EXCL would fail too, but with a less helpful library message.
                guard !FileManager.default.fileExists(atPath: path) else { throw context.error("file already exists") }
                return try Self.create(path, flags: chdf5_f_acc_excl(), accessProperties, context)
            case .truncate:
                return try Self.create(path, flags: chdf5_f_acc_trunc(), accessProperties, context)
            }
        }
        // Not inherited by processes other threads start (see the C helper); best effort, since other drivers
        // hold no single descriptor.
        _ = chdf5_set_close_on_exec(fileIdentifier)
        self.mode = mode
        super.init(handle: HDF5Handle(adopting: fileIdentifier, kind: .file, context: context))
    }

    /// Writes all buffered data of the file to disk.
    public func flush() throws {
        let fileIdentifier = try handle.identifierForUse()
        try handle.context.checkStatus(H5Fflush(fileIdentifier, H5F_SCOPE_GLOBAL), "cannot flush file")
    }

    // MARK: - Opening

    /// File access properties with the "weak" close degree, so closing the file leaves opened objects usable.
    private static func withFileAccessPropertyList(
        context: HDF5ObjectContext,
        _ body: (hid_t) throws -> hid_t
    ) throws -> hid_t {
        try withTemporaryIdentifier(H5Pcreate(chdf5_p_file_access()), kind: .propertyList, context: context,
                                    failure: "cannot create file access property list") { accessProperties in
            try context.checkStatus(H5Pset_fclose_degree(accessProperties, H5F_CLOSE_WEAK), "cannot set close degree")
            return try body(accessProperties)
        }
    }

    /// Checks the usual reasons for failure first, so each gets a message of its own.
    private static func openExisting(
        _ path: String,
        flags: UInt32,
        _ accessProperties: hid_t,
        _ context: HDF5ObjectContext
    ) throws -> hid_t {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw context.error("no such file")
        }
        guard !isDirectory.boolValue else { throw context.error("is a directory, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw context.error("permission denied") }
        let hasSignature = try context.checkTruth(H5Fis_hdf5(path), "cannot read file")
        guard hasSignature else { throw context.error("not an HDF5 file (no HDF5 signature found)") }
        return try context.checkID(H5Fopen(path, flags, accessProperties),
                                   "cannot open HDF5 file: truncated, damaged or locked by another process")
    }

    private static func create(
        _ path: String,
        flags: UInt32,
        _ accessProperties: hid_t,
        _ context: HDF5ObjectContext
    ) throws -> hid_t {
        try context.checkID(H5Fcreate(path, flags, hid_t(H5P_DEFAULT), accessProperties), "cannot create file")
    }
}
