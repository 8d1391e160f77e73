/// What kind of file an input is, which decides how it is mutated and which entry point reads it.
enum FuzzFileKind: String, CaseIterable, Sendable {
    case network
    case data
    case profile

    /// The extension mutated files get.
    var fileExtension: String {
        switch self {
        case .network: "nir"
        case .data: "h5"
        case .profile: "yaml"
        }
    }
}

/// One generated input: its file and what was done to the seed to make it (for the failure report).
struct FuzzInput {
    let index: Int
    let kind: FuzzFileKind
    let seedFile: String
    let path: String
    var mutations: [String]
}
