import Yams
import Foundation

/// A YAML node with its dotted path in the profile and its file, so every problem is reported where it is.
struct LocatedNode {
    let node: Node
    let path: String
    let file: String

    /// The 1-based line of the node in the file, when the parser recorded it.
    var line: Int? { node.mark?.line }

    /// An error about this node.
    func error(_ message: String) -> ProfileError {
        ProfileError(file: file, field: path.isEmpty ? nil : path, line: line, message)
    }

    /// A plain `null`, `~` or empty scalar: the field is absent.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style != .singleQuoted, scalar.style != .doubleQuoted else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// What kind of YAML value this is, for messages.
    var kindName: String {
        switch node {
        case .scalar: isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// The child at `key` of this mapping node.
    func child(_ node: Node, key: String) -> LocatedNode {
        LocatedNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// Reads a mapping whose keys must all be in `allowed` (or pass `isAllowed`, which `hint` then explains),
    /// with no key twice.
    func mapping(allowed: [String], isAllowed: ((String) -> Bool)? = nil, hint: String? = nil) throws(ProfileError) -> LocatedMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kindName)") }
        var entries: [String: LocatedNode] = [:]
        var order: [String] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw LocatedNode(node: keyNode, path: path, file: file).error("mapping keys must be plain names")
            }
            let key = keyScalar.string
            let entry = child(valueNode, key: key)
            let keyLocated = LocatedNode(node: keyNode, path: entry.path, file: file)
            guard allowed.contains(key) || isAllowed?(key) == true else {
                var message = "unknown key '\(key)'"
                if let guess = KeySuggestion.closest(to: key, among: allowed) { message += " (did you mean '\(guess)'?)" }
                message += "; allowed here: \(allowed.joined(separator: ", "))"
                if let hint { message += " \(hint)" }
                throw keyLocated.error(message)
            }
            guard entries[key] == nil else { throw keyLocated.error("key '\(key)' appears twice") }
            entries[key] = entry
            order.append(key)
        }
        return LocatedMapping(owner: self, entries: entries, keys: order)
    }

    /// A non-empty text.
    func string() throws(ProfileError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected text, found \(kindName)") }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    /// A finite number written as a plain (unquoted) scalar.
    func number() throws(ProfileError) -> Double {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a number, found \(kindName)") }
        guard scalar.style != .singleQuoted, scalar.style != .doubleQuoted, let value = Double(scalar.string) else {
            throw error("expected a number, found '\(scalar.string)'")
        }
        guard value.isFinite else { throw error("must be finite, got \(scalar.string)") }
        return value
    }

    /// A finite number greater than zero.
    func positiveNumber() throws(ProfileError) -> Double {
        let value = try number()
        guard value > 0 else { throw error("must be greater than 0, got \(value)") }
        return value
    }

    /// A whole number greater than zero.
    func positiveInteger() throws(ProfileError) -> Int {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a whole number, found \(kindName)") }
        guard scalar.style != .singleQuoted, scalar.style != .doubleQuoted, let value = Int(scalar.string) else {
            throw error("expected a whole number, found '\(scalar.string)'")
        }
        guard value > 0 else { throw error("must be greater than 0, got \(value)") }
        return value
    }

    /// The items of a list, located as `path[i]`.
    func sequence() throws(ProfileError) -> [LocatedNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { LocatedNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// A non-empty list of non-empty texts.
    func stringList() throws(ProfileError) -> [String] {
        let items = try sequence()
        guard !items.isEmpty else { throw error("must list at least one entry") }
        var strings: [String] = []
        for item in items { strings.append(try item.string()) }
        return strings
    }
}
