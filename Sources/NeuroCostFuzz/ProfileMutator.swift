/// Mutations of a profile's YAML text: structure (nesting, aliases, duplicated and dropped lines) and values
/// (numbers out of range, wrong kinds, broken quoting).
enum ProfileMutator {
    static func mutate(_ text: inout String, random: inout FuzzRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { text = "{"; return "made an unclosed mapping" }
        let at = Int.random(in: 0..<lines.count, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            lines.remove(at: at)
            text = lines.joined(separator: "\n")
            return "removed line \(at + 1)"
        case 1:
            lines.insert(lines[at], at: at)
            text = lines.joined(separator: "\n")
            return "duplicated line \(at + 1)"
        case 2:
            guard let colon = lines[at].firstIndex(of: ":") else { return "no value on line \(at + 1)" }
            let value = random.pick(["-1", "0", "1e308", "-1e308", ".nan", ".inf", "-.inf", "1e-400", "99999999999999999999999",
                                     "~", "[]", "{}", "\"\"", "'", "\"unterminated", "*undefined", "&a", "!!binary AAAA",
                                     "!!python/object:os.system", "[1, [2, [3]]]", "yes", "0x7fffffffffffffff"])
            lines[at] = String(lines[at][...colon]) + " " + value
            text = lines.joined(separator: "\n")
            return "set line \(at + 1)'s value to \(value)"
        case 3:
            let depth = random.pick([10, 63, 65, 500, 5_000])
            lines.insert("deep: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth), at: at)
            text = lines.joined(separator: "\n")
            return "\(depth) nested flow sequences"
        case 4:
            let depth = random.pick([10, 70, 2_000])
            let block = (0..<depth).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
            lines.insert(block, at: at)
            text = lines.joined(separator: "\n")
            return "\(depth) nested block mappings"
        case 5:
            var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"
            for level in 1..<random.pick([3, 9, 20]) {
                bomb += "\na\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]"
            }
            lines.insert(bomb, at: 0)
            text = lines.joined(separator: "\n")
            return "alias bomb"
        case 6:
            lines[at] = String(repeating: "\t", count: Int.random(in: 1...3, using: &random)) + lines[at]
            text = lines.joined(separator: "\n")
            return "tab-indented line \(at + 1)"
        case 7:
            var bytes = Array(text.utf8)
            let note = ByteMutator.mutate(&bytes, random: &random)
            text = String(decoding: bytes, as: UTF8.self)
            return "bytes: " + note
        default:
            let indent = lines[at].prefix { $0 == " " }
            lines.insert(indent + random.pick(["unknown_key: 1", "pJ: -3", "scope: nowhere", "<<: *x", "? complex\n: key"]), at: at)
            text = lines.joined(separator: "\n")
            return "inserted a line at \(at + 1)"
        }
    }
}
