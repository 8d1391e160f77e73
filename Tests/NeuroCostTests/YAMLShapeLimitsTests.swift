import Foundation
@testable import HardwareProfiles
import Testing

/// The profile text's shape check reads plain ASCII text byte by byte; anything else by `Character`.
@Suite struct YAMLShapeLimitsTests {
    static let samples = [
        "", "\n", "a: 1\n\n  b: [1, {c: 'x#y'}]  # comment\n- - - deep\n", "k: \"q\\\" *a\", *b, [*c]\n#only\n   \n",
        String(repeating: "[", count: 70), (0..<70).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n"),
    ]

    @Test("bytewise lines equal the Character lines on plain ASCII text, bundled profiles included")
    func bytewiseLinesMatchCharacters() throws {
        let folder = RepositoryPaths.root.appendingPathComponent("HardwareProfiles")
        let profiles = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!profiles.isEmpty)
        let texts = try Self.samples + profiles.map { try String(contentsOfFile: folder.appendingPathComponent($0).path, encoding: .utf8) }
        for text in texts {
            #expect(YAMLShapeLimits.isPlainASCII(text))
            #expect(YAMLShapeLimits.lineCodes(text, bytewise: true) == YAMLShapeLimits.lineCodes(text, bytewise: false))
        }
    }

    @Test("text with a carriage return or a non-ASCII character is read by Character")
    func otherTextIsReadByCharacter() throws {
        #expect(!YAMLShapeLimits.isPlainASCII("a: 1\r\nb: 2"))
        #expect(!YAMLShapeLimits.isPlainASCII("note: 5 µJ"))
        // "\r\n" is one Character (not a line break of its own), and an accented quote is no quote.
        #expect(YAMLShapeLimits.lineCodes("a\r\nb\n\"\u{301}", bytewise: false)
                == [[UInt8(ascii: "a"), YAMLShapeLimits.otherCharacter, UInt8(ascii: "b")], [YAMLShapeLimits.otherCharacter]])
    }

    @Test("too deep or too many aliases is refused either way", arguments: [false, true])
    func limitsHold(withNonASCII: Bool) throws {
        let suffix = withNonASCII ? " # µ" : ""
        let deep = (0..<70).map { String(repeating: " ", count: $0) + "k:" + suffix }.joined(separator: "\n")
        #expect(throws: ProfileError.self) { try YAMLShapeLimits.check(deep, file: "deep.yaml") }
        let flow = "k: " + String(repeating: "[", count: 65) + suffix
        #expect(throws: ProfileError.self) { try YAMLShapeLimits.check(flow, file: "flow.yaml") }
        let aliases = "k: [" + Array(repeating: "*a", count: 65).joined(separator: ", ") + "]" + suffix
        #expect(throws: ProfileError.self) { try YAMLShapeLimits.check(aliases, file: "aliases.yaml") }
        let fine = "k: [" + Array(repeating: "*a", count: 64).joined(separator: ", ") + "]" + suffix
        try YAMLShapeLimits.check(fine, file: "fine.yaml")
    }
}
