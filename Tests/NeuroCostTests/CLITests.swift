import Foundation
import NeuroCost
import Testing

/// The `neurocost` executable as a user runs it.
@Suite struct CLITests {
    private func neurocost(_ arguments: String...) throws -> ProcessResult {
        let binary = RepositoryPaths.cliBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FixtureError(description: "\(binary) is missing: run `swift build` before the tests")
        }
        return try ProcessRunner.run(binary, arguments)
    }

    @Test("inspect --json reports the paper's VGG-16 figures")
    func inspectJSONOnVGG() throws {
        let result = try neurocost("inspect", Fixtures.path("vgg16_sparse"), "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let totals = try json.object("totals")
        #expect(try totals.int("spiking_neurons") == 276_992)
        #expect(try totals.int("weights") == 15_302_848)
        #expect(try totals.int("dense_macs") == 313_788_928)
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        // Input, 13 convolutions with their IF, 4 pools, Flatten, 3 Affine with 2 IF, Output.
        let expectedNodeCount: Int = 1 + 13 * 2 + 4 + 1 + 3 + 2 + 1
        #expect(nodes.count == expectedNodeCount)
    }

    @Test("inspect prints a table with units in the header")
    func inspectTable() throws {
        let result = try neurocost("inspect", Fixtures.path("cnn"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("dense MACs [ops]"))
        #expect(result.standardOutput.contains("conv1"))
    }

    @Test("a broken file gives a non-zero exit and one line naming the file", arguments: BadInputTests.badFixtures)
    func inspectBadFile(fixture: String) throws {
        let path = try Fixtures.path(fixture)
        let result = try neurocost("inspect", path)
        #expect(result.status != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(fixture): \(result.standardError)")
        #expect(result.standardError.contains(path))
    }

    @Test("run writes a results file, prints the layer table, and never replaces a file without --force")
    func runCommand() throws {
        let folder = try Fixtures.scratchDirectory()
        let data = folder.appendingPathComponent("data.h5").path
        try ResultsFileTests.writeSamples(count: 20, to: data)
        let out = folder.appendingPathComponent("run.h5").path
        let first = try neurocost("run", ResultsFileTests.network, "--data", data, "--out", out, "--timesteps", "4", "--quiet")
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("synops [/sample]"))
        #expect(first.standardOutput.contains("accuracy after steps simulated: 1: "))
        let written = try Data(contentsOf: URL(fileURLWithPath: out))

        let refused = try neurocost("run", ResultsFileTests.network, "--data", data, "--out", out, "--quiet")
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("--force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == written)

        let forced = try neurocost("run", ResultsFileTests.network, "--data", data, "--out", out, "--force", "--quiet")
        #expect(forced.status == 0, "\(forced.standardError)")
    }

    @Test("run rejects data whose samples do not fit the Input node, naming both")
    func runRejectsMismatchedData() throws {
        let folder = try Fixtures.scratchDirectory()
        let data = folder.appendingPathComponent("wrong.h5").path
        let file = try HDF5File(path: data, mode: .createNew)
        try file.writeDataset("images", [Float](repeating: 0.5, count: 2 * 3 * 8 * 8), shape: [2, 3, 8, 8])
        file.close()
        let result = try neurocost("run", ResultsFileTests.network, "--data", data, "--out", folder.appendingPathComponent("r.h5").path)
        #expect(result.status != 0)
        #expect(result.standardError.contains("[3, 8, 8]") && result.standardError.contains("[1, 8, 8]"), "\(result.standardError)")
    }

    @Test("the default job runs the bundled sparse digits SNN on the bundled test set from the repository root")
    func defaultJob() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("default.h5").path
        let result = try ProcessRunner.run(RepositoryPaths.cliBinary.path, ["run", "--out", out, "--quiet"], in: RepositoryPaths.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("digits-snn-sparse90.nir"))
        let file = try HDF5File(path: out, mode: .readOnly)
        defer { file.close() }
        #expect(try file.attribute("samples", as: Int64.self) == [450])
        let accuracy = try file.openDataset("results/accuracy_by_timestep").read(as: Double.self)
        #expect(accuracy.count == 8)
        #expect(accuracy.last! > 0.9, "bundled SNN accuracy by timestep: \(accuracy)")
    }

    @Test("compare with no network prices the bundled sparse SNN against its ANN and dense SNN, and writes the energy groups")
    func compareDefaults() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("compare.h5").path
        let result = try ProcessRunner.run(RepositoryPaths.cliBinary.path, ["compare", "--limit", "20", "--out", out], in: RepositoryPaths.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("ANN/SNN") && result.standardOutput.contains("baseline/SNN"))
        #expect(result.standardOutput.contains("horowitz-45nm-fp32"))
        let file = try HDF5File(path: out, mode: .readOnly)
        defer { file.close() }
        #expect(file.exists("energy/horowitz-45nm-fp32/by_layer_picojoules"))
        #expect(file.exists("ann/energy/horowitz-45nm-fp32/totals_picojoules"))
        #expect(file.exists("baseline/energy/horowitz-45nm-fp32/totals_picojoules"))
    }

    @Test("an unknown profile name is a clear error listing the bundled ones")
    func unknownProfile() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("r.h5").path
        let result = try ProcessRunner.run(RepositoryPaths.cliBinary.path, ["run", "--profile", "no-such-chip", "--out", out, "--quiet"],
                                           in: RepositoryPaths.root)
        #expect(result.status != 0)
        #expect(result.standardError.contains("no-such-chip") && result.standardError.contains("loihi"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
