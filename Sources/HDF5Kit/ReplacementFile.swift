import Foundation

/// A file written under a temporary name in its destination folder and renamed into place when complete, so
/// that an existing file is never half-replaced and a failed write never leaves a truncated result behind.
///
/// The temporary file is `.<name>.partial-<process id>` beside the destination; a process killed mid-write
/// leaves it there (with whatever it had flushed) and the destination untouched.
public struct ReplacementFile: Sendable {
    /// Where the file will end up.
    public let destination: String
    /// Where it is written meanwhile.
    public let temporaryPath: String
    /// Whether an existing destination may be replaced.
    public let overwrite: Bool

    /// Checks the destination can be written (it does not exist unless `overwrite`, its folder exists and is
    /// writable) and chooses the temporary name; creates nothing.
    public init(destination: String, overwrite: Bool) throws(HDF5Error) {
        let context = HDF5ObjectContext(file: destination, objectPath: "/")
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard !url.lastPathComponent.isEmpty, FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw context.error("the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else { throw context.error("permission denied: cannot write in \(folder)") }
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw context.error("is a directory") }
            guard overwrite else { throw context.error("file already exists") }
        }
        self.destination = destination
        self.overwrite = overwrite
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)").path
    }

    /// Renames the finished temporary file to the destination (atomically on one file system).
    public func commit() throws(HDF5Error) {
        let context = HDF5ObjectContext(file: destination, objectPath: "/")
        if !overwrite, FileManager.default.fileExists(atPath: destination) {
            discard()
            throw context.error("file already exists (created while this one was being written)")
        }
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw context.error("cannot move the finished file into place: \(reason)")
        }
    }

    /// Removes the temporary file (after a failure).
    public func discard() {
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}
