import Foundation

/// Notes and warnings for the user, on standard error so that standard output stays the result.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
