import Foundation

/// The valid files mutations start from, found relative to the repository root.
struct FuzzSeeds {
    let files: [FuzzFileKind: [String]]
    /// A network whose Input takes 4 values (mutated data files are run through it).
    let dataNetwork: String
    /// A valid data file for `dataNetwork`.
    let validData: String

    static func discover() throws -> FuzzSeeds {
        let manager = FileManager.default
        func list(_ folder: String, _ suffix: String, prefix: String = "") -> [String] {
            ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(suffix) && $0.hasPrefix(prefix) }
                .sorted().map { "\(folder)/\($0)" }
        }
        let corpus = "Tests/Fixtures/fuzz-corpus"
        let networks = list("Tests/Fixtures/shared-samples", ".nir") + list(corpus, ".nir", prefix: "nir-valid")
        let data = list(corpus, ".h5", prefix: "data-valid")
        let profiles = list("HardwareProfiles", ".yaml")
        guard !networks.isEmpty, !data.isEmpty, !profiles.isEmpty else {
            throw ValidationErrorText("seed files not found: run neurocost-fuzz from the repository root")
        }
        return FuzzSeeds(files: [.network: networks, .data: data, .profile: profiles],
                         dataNetwork: "\(corpus)/nir-valid-mlp.nir", validData: "\(corpus)/data-valid.h5")
    }
}

struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Inputs run, per kind and outcome.
struct FuzzTally {
    var accepted: [FuzzFileKind: Int] = [:]
    var rejected: [FuzzFileKind: Int] = [:]
    var uncounted = 0
    var findings = 0

    init() {}

    init(uncounted: Int) { self.uncounted = uncounted }

    /// Parses the worker's summary line.
    init?(line: String) {
        guard let summary = line.split(separator: "\n").last(where: { $0.hasPrefix("inputs ") }) else { return nil }
        for field in summary.split(separator: " ") {
            let parts = field.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { continue }
            let key = String(parts[0])
            if key == "findings" { findings = value }
            for kind in FuzzFileKind.allCases {
                if key == "\(kind.rawValue).accepted" { accepted[kind] = value }
                if key == "\(kind.rawValue).rejected" { rejected[kind] = value }
            }
        }
    }

    mutating func record(_ kind: FuzzFileKind, accepted wasAccepted: Bool) {
        if wasAccepted { accepted[kind, default: 0] += 1 } else { rejected[kind, default: 0] += 1 }
    }

    mutating func add(_ other: FuzzTally) {
        accepted.merge(other.accepted, uniquingKeysWith: +)
        rejected.merge(other.rejected, uniquingKeysWith: +)
        uncounted += other.uncounted
        findings += other.findings
    }

    var total: Int { accepted.values.reduce(0, +) + rejected.values.reduce(0, +) + findings + uncounted }

    var line: String {
        "inputs \(total) " + FuzzFileKind.allCases.map {
            "\($0.rawValue).accepted=\(accepted[$0] ?? 0) \($0.rawValue).rejected=\(rejected[$0] ?? 0)"
        }.joined(separator: " ") + " findings=\(findings)" + (uncounted > 0 ? " (\(uncounted) run before a crash, outcome not kept)" : "")
    }
}

/// Saves a finding: the input file and a note on how to replay it.
enum FuzzReport {
    static func save(_ input: FuzzInput, finding: String, seed: UInt64, to folder: String) {
        let directory = "\(folder)/seed\(seed)-input\(input.index)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let copy = "\(directory)/input.\(input.kind.fileExtension)"
        try? FileManager.default.removeItem(atPath: copy)
        try? FileManager.default.copyItem(atPath: input.path, toPath: copy)
        let note = """
            finding: \(finding)
            kind: \(input.kind.rawValue)
            seed file: \(input.seedFile)
            mutations: \(input.mutations.joined(separator: "; "))
            replay: swift run neurocost-fuzz --seed \(seed) --start \(input.index) --count 1

            """
        _ = FileManager.default.createFile(atPath: "\(directory)/finding.txt", contents: Data(note.utf8))
    }
}
