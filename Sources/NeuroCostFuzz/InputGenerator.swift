import Foundation

/// Makes input `index` of a seed: picks a valid seed file of the index's kind and applies one to three mutations.
/// The same (seed, index) always gives the same file.
struct InputGenerator {
    let seed: UInt64
    let seedFiles: [FuzzFileKind: [String]]
    let workDirectory: String

    /// Networks get half the inputs; data files and profiles a quarter each.
    static func kind(of index: Int) -> FuzzFileKind {
        switch index % 4 {
        case 0, 1: .network
        case 2: .data
        default: .profile
        }
    }

    func make(_ index: Int) -> FuzzInput {
        var random = FuzzRandom(seed: seed, index: index)
        let kind = Self.kind(of: index)
        let source = random.pick(seedFiles[kind] ?? [])
        let path = "\(workDirectory)/input-\(index % 2).\(kind.fileExtension)"
        try? FileManager.default.removeItem(atPath: path)
        var input = FuzzInput(index: index, kind: kind, seedFile: source, path: path, mutations: [])
        let rounds = Int.random(in: 1...3, using: &random)
        switch kind {
        case .profile:
            var text = (try? String(contentsOfFile: source, encoding: .utf8)) ?? ""
            for _ in 0..<rounds { input.mutations.append(ProfileMutator.mutate(&text, random: &random)) }
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        case .network, .data:
            try? FileManager.default.copyItem(atPath: source, toPath: path)
            for round in 0..<rounds {
                if round == rounds - 1, random.chance(0.2) {
                    var bytes = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
                    input.mutations.append("bytes: " + ByteMutator.mutate(&bytes, random: &random))
                    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
                } else {
                    do {
                        input.mutations.append(try StructureMutator.mutate(file: path, random: &random))
                    } catch {
                        input.mutations.append("mutation failed: \(error)")
                    }
                }
            }
        }
        return input
    }
}
