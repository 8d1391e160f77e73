/// The checked entries of one YAML mapping, for reading required and optional fields with located errors.
struct LocatedMapping {
    /// The mapping node itself.
    let owner: LocatedNode
    let entries: [String: LocatedNode]
    /// The keys in file order.
    let keys: [String]

    /// The value at `key`; an error naming `path.key` when it is absent or null.
    func required(_ key: String) throws(ProfileError) -> LocatedNode {
        guard let entry = entries[key], !entry.isNull else {
            let path = owner.path.isEmpty ? key : "\(owner.path).\(key)"
            throw ProfileError(file: owner.file, field: path, line: entries[key]?.line ?? owner.line, "is required")
        }
        return entry
    }

    /// The value at `key`, or `nil` when it is absent or null.
    func optional(_ key: String) -> LocatedNode? {
        guard let entry = entries[key], !entry.isNull else { return nil }
        return entry
    }
}
