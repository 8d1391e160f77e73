import Foundation

/// A problem loading or using a hardware profile: the file, the field when one is to blame (`energy.mac.pJ`),
/// the line when the YAML parser knows it, and what was expected. Always one line.
public struct ProfileError: Error, CustomStringConvertible, Sendable {
    /// The profile file (or profile name) the problem is in.
    public let file: String
    /// The dotted path of the field at fault, e.g. `energy.mac` or `memory.levels[1].capacity_bytes`.
    public let field: String?
    /// The 1-based line in the file, when known.
    public let line: Int?
    /// What is wrong and what was expected.
    public let message: String

    /// Creates an error; line breaks in `message` are folded so the error stays one line.
    public init(file: String, field: String? = nil, line: Int? = nil, _ message: String) {
        self.file = file
        self.field = field
        self.line = line
        // The error is promised to be one line, whatever the parser or the file system said.
        self.message = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// One line: `file: line 12: field 'energy.mac.pJ': message` (line and field only when known).
    public var description: String {
        var parts = [file]
        if let line { parts.append("line \(line)") }
        if let field { parts.append("field '\(field)'") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

extension ProfileError {
    /// The error ``HardwareProfile/constant(_:)`` throws for an energy key the profile does not publish.
    public static func missingConstant(profile: String, file: String, key: String, available: [String]) -> ProfileError {
        let has = available.isEmpty ? "none" : available.joined(separator: ", ")
        return ProfileError(file: file, field: "energy.\(key)",
                            "profile '\(profile)' publishes no '\(key)' energy (it has: \(has))")
    }
}
