internal import CHDF5

/// Where an operation happens (file + object path), used to turn libhdf5 status codes into `HDF5Error`s.
///
/// libhdf5 signals failure with negative return values of several C types that all import as `Int32`/`Int64`,
/// so each kind of return value gets its own explicitly named check.
struct HDF5ObjectContext: Sendable {
    let file: String
    let objectPath: String
    /// What part of the object the operation is about (e.g. `attribute "units"`), prefixed to messages.
    let subject: String?
    /// The file's bytes mapped for chunk reads, shared by every object of a file open for reading (nil otherwise).
    let fileMapping: HDF5FileMapping?

    init(file: String, objectPath: String, subject: String? = nil, fileMapping: HDF5FileMapping? = nil) {
        self.file = file
        self.objectPath = objectPath
        self.subject = subject
        self.fileMapping = fileMapping
    }

    /// The same object, with messages prefixed by `subject`.
    func about(_ subject: String) -> HDF5ObjectContext {
        HDF5ObjectContext(file: file, objectPath: objectPath, subject: subject, fileMapping: fileMapping)
    }

    /// An error for a problem HDF5Kit detected itself (no library explanation attached).
    func error(_ message: String) -> HDF5Error {
        let fullMessage = subject.map { "\($0): \(message)" } ?? message
        return HDF5Error(file: file, objectPath: objectPath, message: fullMessage)
    }

    /// An error for a libhdf5 call that just failed; appends the library's own explanation when it has one.
    func libraryError(_ message: String) -> HDF5Error {
        guard let detail = HDF5ErrorStack.innermostDescription() else { return error(message) }
        return error("\(message) (HDF5: \(detail))")
    }

    /// Checks an `herr_t` status code.
    func checkStatus(_ status: herr_t, _ message: @autoclosure () -> String) throws(HDF5Error) {
        if status < 0 { throw libraryError(message()) }
    }

    /// Checks a freshly returned `hid_t` identifier and returns it.
    func checkID(_ identifier: hid_t, _ message: @autoclosure () -> String) throws(HDF5Error) -> hid_t {
        if identifier < 0 { throw libraryError(message()) }
        return identifier
    }

    /// Checks an `htri_t` tri-state answer (negative = failure) and returns it as a `Bool`.
    func checkTruth(_ answer: htri_t, _ message: @autoclosure () -> String) throws(HDF5Error) -> Bool {
        if answer < 0 { throw libraryError(message()) }
        return answer > 0
    }

    /// Checks a signed size or count (`hssize_t`, `ssize_t`, `int`) and returns it as an `Int`.
    func checkCount<Count: BinaryInteger>(_ count: Count, _ message: @autoclosure () -> String) throws(HDF5Error) -> Int {
        if count < 0 { throw libraryError(message()) }
        return Int(count)
    }

    /// The context of a child object reached through `relativePath` (absolute paths are taken as they are).
    func child(_ relativePath: String) -> HDF5ObjectContext {
        HDF5ObjectContext(file: file, objectPath: HDF5Path.join(objectPath, relativePath), fileMapping: fileMapping)
    }
}

/// Joining of HDF5 object paths, for error messages and the `path` of opened objects.
enum HDF5Path {
    static func join(_ parent: String, _ relativePath: String) -> String {
        if relativePath.hasPrefix("/") { return normalized(relativePath) }
        if relativePath.isEmpty || relativePath == "." { return parent }
        return normalized(parent == "/" ? "/" + relativePath : parent + "/" + relativePath)
    }

    /// Collapses repeated and trailing slashes and "." components ("/a//b/./" becomes "/a/b").
    static func normalized(_ absolutePath: String) -> String {
        // Nearly every path is normal already: checked in one pass over its bytes, it is not split and joined
        // again (which cost a visible part of reading a network's few hundred objects).
        if isNormalized(absolutePath) { return absolutePath }
        let components = absolutePath.split(separator: "/").filter { $0 != "." }
        return "/" + components.joined(separator: "/")
    }

    /// Whether `path` is what `normalized` makes of it: "/" alone, or "/" followed by components that are neither
    /// empty nor ".", separated by single slashes.
    static func isNormalized(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var bytes = path.utf8.makeIterator()
        guard bytes.next() == slash else { return false }
        var componentLength = 0
        var componentStartsWithDot = false
        var isRoot = true
        while let byte = bytes.next() {
            isRoot = false
            if byte == slash {
                if componentLength == 0 || (componentLength == 1 && componentStartsWithDot) { return false }
                componentLength = 0
            } else {
                if componentLength == 0 { componentStartsWithDot = byte == dot }
                componentLength += 1
            }
        }
        return isRoot || (componentLength > 0 && !(componentLength == 1 && componentStartsWithDot))
    }
}
