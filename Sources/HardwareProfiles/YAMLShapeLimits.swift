/// Limits checked on a profile's text before the YAML parser sees it. The parser builds its tree recursively,
/// so a document nested thousands of levels deep would overflow the stack; anchors and aliases can make a small
/// file describe an enormous tree. Real profiles are a few kilobytes, about six levels deep, and use neither.
enum YAMLShapeLimits {
    /// The largest profile accepted.
    static let maxBytes = 1 << 20
    /// The deepest nesting accepted (counting block indentation levels, `- ` entries and flow brackets).
    static let maxDepth = 64
    /// The most aliases (`*name`) accepted.
    static let maxAliases = 64

    /// Throws when `text` is too large, too deep or uses too many aliases.
    static func check(_ text: String, file: String) throws(ProfileError) {
        guard text.utf8.count <= maxBytes else {
            throw ProfileError(file: file, "the file has \(text.utf8.count) bytes; a profile may have at most \(maxBytes)")
        }
        var flowDepth = 0
        var indentStack: [Int] = []
        var aliases = 0
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let characters = Array(line)
            var position = 0
            while position < characters.count, characters[position] == " " { position += 1 }
            let isContent = position < characters.count && characters[position] != "#"
            if isContent, flowDepth == 0 {
                while let top = indentStack.last, top >= position { indentStack.removeLast() }
                indentStack.append(position)
            }
            // `- - - x` opens one block level per dash.
            var entries = 0
            while position + 1 < characters.count, characters[position] == "-", characters[position + 1] == " " {
                entries += 1
                position += 2
                while position < characters.count, characters[position] == " " { position += 1 }
            }
            var quote: Character?
            var deepest = flowDepth
            var previous: Character = " "
            for character in characters[position...] {
                if let open = quote {
                    if character == open { quote = nil }
                } else {
                    switch character {
                    case "\"", "'": if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" { quote = character }
                    case "#" where previous == " ": break
                    case "[", "{": flowDepth += 1
                    case "]", "}": flowDepth = max(0, flowDepth - 1)
                    case "*" where previous == " " || previous == "[" || previous == "," || previous == ":": aliases += 1
                    default: break
                    }
                    deepest = max(deepest, flowDepth)
                }
                if quote == nil, character == "#", previous == " " { break }
                previous = character
            }
            let depth = indentStack.count + entries + deepest
            guard depth <= maxDepth else {
                throw ProfileError(file: file, line: lineIndex + 1, "nested more than \(maxDepth) levels deep; a profile needs about six")
            }
            guard aliases <= maxAliases else {
                throw ProfileError(file: file, line: lineIndex + 1, "more than \(maxAliases) aliases ('*name'); a profile needs none")
            }
        }
    }
}
