import Foundation
import NeuroCost
import Testing

/// The replay corpus (Tests/Fixtures/fuzz-corpus): hostile inputs written by Fuzz/make_hostile_corpus.py and
/// regressions found by neurocost-fuzz. Each must end in a one-line error naming the file, or (valid but odd)
/// run; never a crash or hang, and the input is never changed. `expected` is ok, error, any (either), or
/// cli-error (damage that crashes libhdf5 1.10 itself: the library cannot survive it, the CLI reports it).
@Suite struct FuzzReplayTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        let kind: String
        let expected: String
        let why: String
        var path: String { FuzzReplayTests.corpus.appendingPathComponent(file).path }
        var description: String { file }
    }

    static let corpus = RepositoryPaths.root.appendingPathComponent("Tests/Fixtures/fuzz-corpus")

    static let cases: [Case] = ["manifest.tsv", "regressions.tsv"].flatMap { name -> [Case] in
        let text = (try? String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return fields.count == 4 ? Case(file: fields[0], kind: fields[1], expected: fields[2], why: fields[3]) : nil
        }
    }

    @Test("the corpus is there and covers every kind of input")
    func corpusIsComplete() {
        #expect(Self.cases.count >= 60)
        for kind in ["nir", "data", "profile"] { #expect(Self.cases.contains { $0.kind == kind }) }
        for entry in Self.cases { #expect(FileManager.default.fileExists(atPath: entry.path), "\(entry.file) missing") }
    }

    @Test("in-process: the library's readers give a typed one-line error naming the file, or read the file", arguments: cases)
    func libraryReplay(entry: Case) throws {
        // "cli-error": damage libhdf5 1.10 crashes on in any process; only the CLI's supervisor (a watched worker process) isolates it.
        guard entry.expected != "cli-error" else { return }
        let message: String?
        switch entry.kind {
        case "nir":
            do { _ = try NIRReader.read(path: entry.path, options: NIRReadOptions(maxMemoryBytes: 1 << 30)); message = nil } catch { message = error.description }
        case "profile":
            do { _ = try ProfileLibrary.load(file: entry.path); message = nil } catch { message = error.description }
        default:
            do {
                let dataset = try SampleDataset(path: entry.path, maxMemoryBytes: 1 << 30)
                _ = try dataset.statistics(0..<min(dataset.sampleCount, 64))
                message = nil
            } catch { message = error.description }
        }
        guard let message else {
            // Data files and networks refused only at run time (NaN pixels, raw integers) read fine here.
            if entry.expected == "error", entry.kind != "data" { Issue.record("\(entry.file) (\(entry.why)) was accepted") }
            return
        }
        #expect(entry.expected != "ok", "\(entry.file) (\(entry.why)) was refused: \(message)")
        #expect(!message.contains("\n"), "\(entry.file): error spans several lines")
        #expect(message.contains(entry.path), "\(entry.file): '\(message)' does not name the file")
    }

    @Test("through the CLI: exit 1–125 with one error line naming the file (or exit 0 when valid), input unchanged", arguments: cases)
    func cliReplay(entry: Case) throws {
        let folder = try Fixtures.scratchDirectory()
        let out = folder.appendingPathComponent("out.h5").path
        // Data files feed the corpus MLP (Input [4]), except the CNN samples' data (Input [2, 8, 8]).
        let network = entry.file.hasPrefix("data-valid-cnn")
            ? RepositoryPaths.sharedSamples.appendingPathComponent("cnn_if_conv.nir").path
            : Self.corpus.appendingPathComponent("nir-valid-mlp.nir").path
        let data = Self.corpus.appendingPathComponent("data-valid.h5").path
        let arguments: [String]
        switch entry.kind {
        case "nir": arguments = ["inspect", entry.path]
        case "data": arguments = ["run", network, "--data", entry.path, "--out", out, "--timesteps", "2", "--quiet"]
        default: arguments = ["run", network, "--data", data, "--profile", entry.path, "--out", out, "--timesteps", "2", "--quiet"]
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: entry.path))
        let result = try ProcessRunner.run(RepositoryPaths.cliBinary.path, arguments)
        #expect(try Data(contentsOf: URL(fileURLWithPath: entry.path)) == before, "\(entry.file) changed")
        let errorLines = result.standardError.split(separator: "\n").filter { !$0.hasPrefix("warning: ") }
        switch entry.expected {
        case "ok":
            #expect(result.status == 0, "\(entry.file): \(result.standardError)")
        case "error", "cli-error":
            #expect((1...125).contains(result.status), "\(entry.file): exit \(result.status)")
            #expect(errorLines.count == 1, "\(entry.file): \(result.standardError)")
            #expect(errorLines.first?.contains(entry.path) == true, "\(entry.file): \(result.standardError)")
        default:
            #expect((0...125).contains(result.status), "\(entry.file): exit \(result.status)")
            #expect(errorLines.count <= 1, "\(entry.file): \(result.standardError)")
        }
        for marker in ["HDF5-DIAG", "Fatal error", "Stack dump"] { #expect(!result.standardError.contains(marker), "\(entry.file)") }
    }
}
