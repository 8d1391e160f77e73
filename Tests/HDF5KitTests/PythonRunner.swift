import Foundation

/// Runs Python scripts (with h5py and numpy) for the cross-language tests.
///
/// A missing `python3`, h5py or numpy is a test failure, not a skip: CI installs them, and a silently skipped
/// interoperability check would hide exactly the problems it exists for.
enum PythonRunner {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` with `arguments` and returns its standard output; throws with stderr on a non-zero exit.
    static func run(script: String, arguments: [String] = []) throws -> String {
        let python = try pythonExecutable()
        try requireH5py(python)
        return try withTemporaryDirectory { directory in
            let scriptURL = directory.appendingPathComponent("script.py")
            try script.write(to: scriptURL, atomically: true, encoding: .utf8)
            let result = try execute(python, [scriptURL.path] + arguments, in: directory)
            guard result.exitCode == 0 else {
                throw Failure(description: "python script failed (exit \(result.exitCode)):\n\(result.standardError)\(result.standardOutput)")
            }
            return result.standardOutput
        }
    }

    /// The first executable `python3` on `PATH`.
    static func pythonExecutable() throws -> URL {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "python3 was not found on PATH (\(searchPath)); "
            + "the HDF5 interoperability tests need python3 with h5py and numpy (pip install h5py numpy)")
    }

    private static func requireH5py(_ python: URL) throws {
        let result = try withTemporaryDirectory { directory in
            try execute(python, ["-c", "import h5py, numpy"], in: directory)
        }
        guard result.exitCode == 0 else {
            throw Failure(description: "python3 at \(python.path) cannot import h5py and numpy "
                + "(pip install h5py numpy):\n\(result.standardError)")
        }
    }

    private struct Execution {
        let exitCode: Int32
        let standardOutput: String
        let standardError: String
    }

    /// Runs a process with its output sent to files (no pipe buffers that could fill up and block).
    private static func execute(_ executable: URL, _ arguments: [String], in directory: URL) throws -> Execution {
        let outputURL = directory.appendingPathComponent("stdout.txt")
        let errorURL = directory.appendingPathComponent("stderr.txt")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
              FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
            throw Failure(description: "cannot create output files in \(directory.path)")
        }
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        try outputHandle.close()
        try errorHandle.close()
        return Execution(
            exitCode: process.terminationStatus,
            standardOutput: try String(contentsOf: outputURL, encoding: .utf8),
            standardError: try String(contentsOf: errorURL, encoding: .utf8))
    }
}
