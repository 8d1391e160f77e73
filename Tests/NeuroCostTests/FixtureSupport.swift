import Foundation
import Testing

/// Paths inside the repository, found from this source file's location.
enum RepositoryPaths {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtureScripts = root.appendingPathComponent("Tests/Fixtures")
    static let sharedSamples = fixtureScripts.appendingPathComponent("shared-samples")
    static let cliBinary = root.appendingPathComponent(".build/debug/neurocost")
}

/// One temporary folder per test process, holding every folder the tests make (`Fixtures.scratchDirectory`, the
/// generated fixtures), removed when the process exits: each run of the suite used to leave about a hundred
/// folders (some 20 MB) in the system's temporary directory.
enum TestScratch {
    static let root: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neurocost-tests-\(getpid())-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestScratch.root) }
        return folder
    }()

    /// A fresh folder inside `root` named `prefix`-UUID.
    static func folder(_ prefix: String) throws -> URL {
        let folder = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// The result of running an external program.
struct ProcessResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

enum ProcessRunner {
    /// How long a program may run before it counts as hung: far above the slowest (the framework cross-checks'
    /// fixture scripts, about a minute), far below CI's limit, so that a hang fails its test instead of the run.
    static let timeoutSeconds = 900

    /// Runs `executable` (looked up on PATH when not a path) and captures its output; kills it and throws after
    /// `timeoutSeconds`.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
        let process = Process()
        if let directory { process.currentDirectoryURL = directory }
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        // Output goes to files: a pipe left unread could fill up and block the child.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("neurocost-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        if ended.wait(timeout: .now() + .seconds(timeoutSeconds)) == .timedOut {
            kill(process.processIdentifier, SIGKILL)  // a supervised CLI's worker follows it (its lifeline)
            process.waitUntilExit()
            throw FixtureError(description: "\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeoutSeconds) s")
        }
        process.waitUntilExit()  // returns at once: the status is final
        try outHandle.close()
        try errHandle.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return ProcessResult(status: process.terminationStatus,
                             standardOutput: String(decoding: outData, as: UTF8.self),
                             standardError: String(decoding: errData, as: UTF8.self))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a fixture script of `Tests/Fixtures` into a fresh temporary folder; the result is the folder.
func generateFixtures(script: String) -> Result<URL, FixtureError> {
    do {
        let folder = try TestScratch.folder(script)
        let path = RepositoryPaths.fixtureScripts.appendingPathComponent(script).path
        let result = try ProcessRunner.run("python3", [path, folder.path])
        guard result.status == 0 else {
            return .failure(FixtureError(description: "\(script) failed (exit \(result.status)); python3 with nir, h5py and numpy is required (.ci/run installs them):\n\(result.standardError)"))
        }
        return .success(folder)
    } catch {
        return .failure(FixtureError(description: "cannot run python3 for \(script): \(error)"))
    }
}

/// Generates the NIR fixtures and their numpy expectations once per test process, with the real `nir` package.
enum Fixtures {
    /// The folder holding `NAME.nir` and `NAME.expected.json`.
    static let directory = generateFixtures(script: "make_fixtures.py")

    static func path(_ name: String) throws -> String {
        try directory.get().appendingPathComponent(name + ".nir").path
    }

    static func expectations(_ name: String) throws -> [String: Any] {
        let url = try directory.get().appendingPathComponent(name + ".expected.json")
        let data = try Data(contentsOf: url)
        // JSONDecoder parses numbers exactly; JSONSerialization on Linux rounds some doubles in the last digit.
        guard let object = try JSONDecoder().decode(ExactJSON.self, from: data).foundationValue as? [String: Any] else {
            throw FixtureError(description: "\(url.path) is not a JSON object")
        }
        return object
    }

    /// A fresh temporary folder for files a test writes.
    static func scratchDirectory() throws -> URL {
        try TestScratch.folder("test")
    }
}

/// A JSON document decoded with exact number parsing, convertible to Foundation objects.
enum ExactJSON: Decodable {
    case object([String: ExactJSON]), array([ExactJSON]), number(Double), string(String), bool(Bool), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ExactJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ExactJSON].self)) }
    }

    /// Numbers become `NSNumber` holding the exact Double; strings, arrays and objects their Foundation kinds.
    var foundationValue: Any {
        switch self {
        case .object(let members): return members.mapValues(\.foundationValue)
        case .array(let items): return items.map(\.foundationValue)
        case .number(let value): return NSNumber(value: value)
        case .string(let value): return value
        case .bool(let value): return value
        case .null: return NSNull()
        }
    }
}

/// JSON helpers for the loosely typed expectation files.
extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) throws -> [String: Any] {
        guard let value = self[key] as? [String: Any] else { throw FixtureError(description: "expected an object at '\(key)'") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = self[key] as? NSNumber else { throw FixtureError(description: "expected a number at '\(key)'") }
        return value.intValue
    }

    func ints(_ key: String) throws -> [Int] {
        guard let value = self[key] as? [NSNumber] else { throw FixtureError(description: "expected numbers at '\(key)'") }
        return value.map(\.intValue)
    }

    func doubles(_ key: String) throws -> [Double] {
        guard let value = self[key] as? [NSNumber] else { throw FixtureError(description: "expected numbers at '\(key)'") }
        return value.map(\.doubleValue)
    }

    func string(_ key: String) throws -> String {
        guard let value = self[key] as? String else { throw FixtureError(description: "expected a string at '\(key)'") }
        return value
    }
}
