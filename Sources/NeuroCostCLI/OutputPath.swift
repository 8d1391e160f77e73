import Foundation

/// Checks on where a command writes, before any work: nothing the user wrote is replaced without `--force`,
/// and never one of the command's own inputs.
enum OutputPath {
    /// Refuses `out` when it exists and `force` is off, or when it is (the same file as) one of `inputs`.
    static func check(_ out: String, force: Bool, inputs: [(what: String, path: String)]) throws {
        for input in inputs where sameFile(out, input.path) {
            throw CommandFailure("\(out): --out names the \(input.what) itself; choose another path (it is never replaced, even with --force)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw CommandFailure("\(out): is a directory; --out needs a file path") }
            if !force { throw CommandFailure("\(out) exists; choose another --out or pass --force to replace it") }
        }
    }

    /// Whether two paths name the same file: equal once resolved, or the same device and inode (hard links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        let resolvedA = URL(fileURLWithPath: a).resolvingSymlinksInPath().standardizedFileURL.path
        let resolvedB = URL(fileURLWithPath: b).resolvingSymlinksInPath().standardizedFileURL.path
        if resolvedA == resolvedB { return true }
        var statA = stat()
        var statB = stat()
        guard stat(a, &statA) == 0, stat(b, &statB) == 0 else { return false }
        return statA.st_dev == statB.st_dev && statA.st_ino == statB.st_ino
    }
}
