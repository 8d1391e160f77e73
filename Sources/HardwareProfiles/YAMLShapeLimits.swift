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
        for (lineIndex, characters) in lineCodes(text, bytewise: isPlainASCII(text)).enumerated() {
            var position = 0
            while position < characters.count, characters[position] == space { position += 1 }
            let isContent = position < characters.count && characters[position] != hash
            if isContent, flowDepth == 0 {
                while let top = indentStack.last, top >= position { indentStack.removeLast() }
                indentStack.append(position)
            }
            // `- - - x` opens one block level per dash.
            var entries = 0
            while position + 1 < characters.count, characters[position] == dash, characters[position + 1] == space {
                entries += 1
                position += 2
                while position < characters.count, characters[position] == space { position += 1 }
            }
            var quote: UInt8?
            var deepest = flowDepth
            var previous = space
            for character in characters[position...] {
                if let open = quote {
                    if character == open { quote = nil }
                } else {
                    switch character {
                    case doubleQuote, singleQuote:
                        if previous == space || previous == openBracket || previous == openBrace || previous == comma || previous == colon { quote = character }
                    case hash where previous == space: break
                    case openBracket, openBrace: flowDepth += 1
                    case closeBracket, closeBrace: flowDepth = max(0, flowDepth - 1)
                    case star where previous == space || previous == openBracket || previous == comma || previous == colon: aliases += 1
                    default: break
                    }
                    deepest = max(deepest, flowDepth)
                }
                if quote == nil, character == hash, previous == space { break }
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

    private static let space = UInt8(ascii: " "), hash = UInt8(ascii: "#"), dash = UInt8(ascii: "-")
    private static let doubleQuote = UInt8(ascii: "\""), singleQuote = UInt8(ascii: "'"), comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]"), star = UInt8(ascii: "*")
    private static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    /// Stands for any character that is not a single ASCII scalar: it equals none of the characters looked for.
    static let otherCharacter: UInt8 = 0x80

    /// Whether every byte of `text` is ASCII and none is a carriage return: then each byte is one `Character`.
    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\r") }
    }

    /// The lines of `text` (split at each `Character` "\n"), each as one code per `Character`: its byte when it is
    /// a single ASCII scalar, else `otherCharacter`. `bytewise` (only for text `isPlainASCII` accepts) reads the
    /// bytes directly: the same lines without walking grapheme clusters (most of the check's time before).
    static func lineCodes(_ text: String, bytewise: Bool) -> [[UInt8]] {
        if bytewise {
            return text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.map { character in
                let scalars = character.unicodeScalars
                guard scalars.count == 1, let scalar = scalars.first, scalar.isASCII else { return otherCharacter }
                return UInt8(scalar.value)
            }
        }
    }
}
