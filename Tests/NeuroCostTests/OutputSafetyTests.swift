import Foundation
import NeuroCost
import Testing

/// Where results go and what the CLI refuses before it starts: nothing the user wrote is replaced without
/// --force (never an input), outputs appear only when complete, limits and data checks end in one line.
@Suite struct OutputSafetyTests {
    static let corpus = FuzzReplayTests.corpus
    static let network = corpus.appendingPathComponent("nir-valid-mlp.nir").path
    static let data = corpus.appendingPathComponent("data-valid.h5").path

    private func neurocost(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(RepositoryPaths.cliBinary.path, arguments)
    }

    /// A private copy of a corpus file, so that a test that might write to it cannot spoil the corpus.
    private func copy(_ path: String, into folder: URL) throws -> String {
        let target = folder.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }

    @Test("--out naming the network or the data file is refused even with --force; both stay unchanged")
    func outNamingAnInput() throws {
        let folder = try Fixtures.scratchDirectory()
        let network = try copy(Self.network, into: folder)
        let data = try copy(Self.data, into: folder)
        let link = folder.appendingPathComponent("alias.nir").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: network)
        let networkBytes = try Data(contentsOf: URL(fileURLWithPath: network))
        let dataBytes = try Data(contentsOf: URL(fileURLWithPath: data))
        for out in [network, data, link] {
            let result = try neurocost(["run", network, "--data", data, "--out", out, "--force", "--quiet", "--timesteps", "2"])
            #expect((1...125).contains(result.status))
            #expect(result.standardError.contains("itself"), "\(result.standardError)")
        }
        let converted = try neurocost(["convert", network, "--data", data, "--out", network, "--force"])
        #expect((1...125).contains(converted.status))
        #expect(try Data(contentsOf: URL(fileURLWithPath: network)) == networkBytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == dataBytes)
    }

    @Test("a finished run leaves only the results file: the temporary file was renamed into place")
    func noTemporaryFileLeft() throws {
        let folder = try Fixtures.scratchDirectory()
        let out = folder.appendingPathComponent("run.h5").path
        let result = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--quiet", "--timesteps", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["run.h5"])
        let again = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--quiet", "--timesteps", "3"])
        #expect(again.status != 0 && again.standardError.contains("--force"))
    }

    @Test("an --out folder that does not exist is an error naming the path")
    func missingFolder() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("no/such/folder/run.h5").path
        let result = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--quiet"])
        #expect((1...125).contains(result.status))
        #expect(result.standardError.contains(out), "\(result.standardError)")
    }

    @Test("--ignore-unknown-fields reads the rest of the node and lists what it skipped")
    func ignoreUnknownFields() throws {
        let path = Self.corpus.appendingPathComponent("nir-conv-unknown-field.nir").path
        let refused = try neurocost(["inspect", path])
        #expect(refused.status == 65)  // bad input (docs/exit-codes.md)
        #expect(refused.standardError.contains("bias_scale") && refused.standardError.contains("--ignore-unknown-fields"))
        let read = try neurocost(["inspect", path, "--ignore-unknown-fields"])
        #expect(read.status == 0, "\(read.standardError)")
        #expect(read.standardError.contains("ignored 1 unknown field(s): node 'conv': field 'bias_scale'"), "\(read.standardError)")
        let document = try NIRReader.read(path: path, options: NIRReadOptions(ignoreUnknownFields: true))
        #expect(document.ignoredFields == [IgnoredField(node: "conv", field: "bias_scale")])
    }

    @Test("a job over --max-memory is refused up front with the estimate and the limit")
    func memoryLimit() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("run.h5").path
        let result = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--max-memory", "12K", "--quiet"])
        #expect(result.status == 65)  // bad input (docs/exit-codes.md)
        #expect(result.standardError.contains("would need about") && result.standardError.contains("more than the memory limit of 12.0 KiB"),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let tooManySteps = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--timesteps", "1000000000000"])
        #expect((1...125).contains(tooManySteps.status))
        let notANumber = try neurocost(["run", Self.network, "--data", Self.data, "--out", out, "--timesteps", "1e12"])
        #expect((1...125).contains(notANumber.status))
    }

    @Test("integer images are refused unless --allow-integer-images")
    func integerImages() throws {
        let folder = try Fixtures.scratchDirectory()
        let data = Self.corpus.appendingPathComponent("data-uint8-images.h5").path
        let out = folder.appendingPathComponent("run.h5").path
        let refused = try neurocost(["run", Self.network, "--data", data, "--out", out, "--quiet", "--timesteps", "2"])
        #expect(refused.status == 65 && refused.standardError.contains("--allow-integer-images"), "\(refused.standardError)")
        let allowed = try neurocost(["run", Self.network, "--data", data, "--out", out, "--quiet", "--timesteps", "2", "--allow-integer-images"])
        #expect(allowed.status == 0, "\(allowed.standardError)")
    }

    @Test("convert warns when the network is already a converted SNN")
    func convertTwice() throws {
        let folder = try Fixtures.scratchDirectory()
        let snn = RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-snn-sparse90.nir").path
        let data = RepositoryPaths.root.appendingPathComponent("Datasets/digits/digits-test.h5").path
        let out = folder.appendingPathComponent("twice.nir").path
        let result = try neurocost(["convert", snn, "--data", data, "--out", out, "--limit", "32", "--timesteps", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("warning:") && result.standardError.contains("converted"), "\(result.standardError)")
    }
}
