/// Every failure reported by HDF5Kit: which file, which object inside it, and what went wrong.
///
/// The description is a single line, `"<file>: <object path>: <message>"`, so it can be shown to a user as is.
/// When the HDF5 library itself refused an operation, the message ends with the library's innermost
/// explanation in parentheses, e.g. `"... (HDF5: file signature not found)"`.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// The file path exactly as the caller gave it.
    public let file: String
    /// The HDF5 path of the object inside the file (`"/"` for the file itself).
    public let objectPath: String
    /// What went wrong, e.g. `"no such dataset"` or `"cannot read as Float: element type is string"`.
    public let message: String

    /// Creates an error; other modules may use it to report HDF5-related problems in the same shape.
    public init(file: String, objectPath: String, message: String) {
        self.file = file
        self.objectPath = objectPath
        self.message = message
    }

    /// `"<file>: <object path>: <message>"`, newlines replaced so the text stays on one line.
    public var description: String {
        let singleLineMessage = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "\(file): \(objectPath): \(singleLineMessage)"
    }
}
