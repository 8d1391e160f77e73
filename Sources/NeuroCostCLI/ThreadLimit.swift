import Foundation

/// The worker-thread cap: `--threads`, else the environment's `NEUROCOST_THREADS` (for schedulers that do not pin
/// cores, so that several processes on one node do not each start a thread per core), else nil (all cores).
enum ThreadLimit {
    static let variable = "NEUROCOST_THREADS"

    /// Throws when the variable is set but not a positive integer (a launcher's mistake, said rather than ignored).
    static func resolve(_ option: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        if let option { return option }
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1 else {
            throw CommandFailure("\(variable)='\(text)': not a positive number of threads")
        }
        return value
    }
}
