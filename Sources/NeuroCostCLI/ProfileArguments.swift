import Foundation
import NeuroCost

/// `--profile` values: repeatable, each a bundled name, a file, or a comma-separated list of them.
enum ProfileArguments {
    static func load(_ values: [String]) throws -> [HardwareProfile] {
        try values.flatMap { $0.split(separator: ",") }
            .map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { try ProfileLibrary.load($0) }
    }
}

/// Messages beside a command's report, on standard error so that standard output stays the report.
enum CommandOutput {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data(("note: " + message + "\n").utf8))
    }
}
