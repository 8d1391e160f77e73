import Foundation

/// Runs an input through the `neurocost` executable as a user would, with a time limit: the exit must be 0 or
/// 1–125, an error must be the last line of standard error with no HDF5 diagnostics or stack dump, and the
/// input file must be unchanged.
struct CLITarget {
    let binary: String
    let dataNetwork: String
    let validData: String
    let workDirectory: String
    let timeLimit: Duration = .seconds(20)

    func run(_ input: FuzzInput) throws(FuzzFinding) -> Bool {
        let out = "\(workDirectory)/out.h5"
        let arguments: [String]
        switch input.kind {
        case .network:
            arguments = input.index % 8 == 0
                ? ["run", input.path, "--data", validData, "--out", out, "--force", "--timesteps", "3", "--quiet", "--max-memory", "256M"]
                : ["inspect", input.path, "--max-memory", "256M"] + (input.index % 3 == 0 ? ["--ignore-unknown-fields"] : [])
        case .data:
            arguments = ["run", dataNetwork, "--data", input.path, "--out", out, "--force", "--timesteps", "3", "--quiet",
                         "--max-memory", "256M", "--limit", "16"]
        case .profile:
            arguments = ["run", dataNetwork, "--data", validData, "--profile", input.path, "--out", out, "--force",
                         "--timesteps", "2", "--quiet", "--limit", "4"]
        }
        let before = try? Data(contentsOf: URL(fileURLWithPath: input.path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let errorFile = "\(workDirectory)/stderr.txt"
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        guard let errorHandle = FileHandle(forWritingAtPath: errorFile) else { throw FuzzFinding(description: "cannot capture stderr") }
        process.standardError = errorHandle
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw FuzzFinding(description: "cannot start \(binary): \(error)") }
        let deadline = ContinuousClock.now + timeLimit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw FuzzFinding(description: "hang: no exit within \(timeLimit) (\(arguments.joined(separator: " ")))")
            }
            usleep(2_000)
        }
        try? errorHandle.close()
        let standardError = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            throw FuzzFinding(description: "crash: signal \(status): \(standardError.suffix(400))")
        }
        guard status <= 125 else { throw FuzzFinding(description: "exit code \(status): \(standardError.suffix(400))") }
        for marker in ["HDF5-DIAG", "Fatal error", "Stack dump", "Current stack trace", "Illegal instruction"]
        where standardError.contains(marker) {
            throw FuzzFinding(description: "standard error shows '\(marker)': \(standardError.prefix(400))")
        }
        if let before, (try? Data(contentsOf: URL(fileURLWithPath: input.path))) != before {
            throw FuzzFinding(description: "the input file changed")
        }
        if status != 0 {
            let lines = standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ") }
            guard lines.count == 1, lines[0].hasPrefix("Error: ") else {
                throw FuzzFinding(description: "error on \(lines.count) lines: \(standardError.prefix(400))")
            }
        }
        return status == 0
    }
}
