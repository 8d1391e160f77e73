import Foundation
import NeuroCost
import Testing

/// Broken files give one clear line naming the file, the node and the problem; never a crash.
@Suite struct BadInputTests {
    static let badFixtures = ["bad_truncated", "bad_not_hdf5", "bad_missing_param", "bad_shape_mismatch", "bad_unknown_edge",
                              "bad_nan_weight", "bad_inf_weight", "bad_conv_channels", "bad_unknown_type"]

    @Test("the reader throws a located, one-line error", arguments: badFixtures)
    func readerReportsProblem(fixture: String) throws {
        let path = try Fixtures.path(fixture)
        let wanted = (try Fixtures.expectations(fixture)["error_contains"] as? [String]) ?? []
        do {
            _ = try NIRReader.read(path: path)
            Issue.record("\(fixture): read without error")
        } catch {
            let message = error.description
            #expect(message.hasPrefix(path), "\(fixture): '\(message)' does not start with the file")
            #expect(!message.contains("\n"), "\(fixture): error spans several lines")
            for part in wanted { #expect(message.contains(part), "\(fixture): '\(message)' lacks '\(part)'") }
        }
    }

    @Test("a missing file is reported, not crashed on")
    func missingFile() {
        #expect(throws: NIRError.self) { try NIRReader.read(path: "/nonexistent/network.nir") }
    }

    @Test("an HDF5 file that is not a NIR graph is rejected")
    func hdf5WithoutGraph() throws {
        let path = try Fixtures.scratchDirectory().appendingPathComponent("plain.h5").path
        let file = try HDF5File(path: path, mode: .createNew)
        try file.writeDataset("numbers", [Int32(1), 2, 3], shape: [3])
        file.close()
        do {
            _ = try NIRReader.read(path: path)
            Issue.record("read a file with no /node group")
        } catch {
            #expect(error.description.contains("/node"))
        }
    }

    /// `run` reads in a worker process its supervisor watches: a file that crashes libhdf5 is named, whichever of
    /// the two it is, with exit 65, and the other is not blamed.
    @Test("the supervisor names the file that crashed libhdf5 in its worker", arguments: [true, false])
    func probeNamesTheCrashingFile(networkCrashes: Bool) throws {
        let corpus = FuzzReplayTests.corpus
        let network = corpus.appendingPathComponent(networkCrashes ? "fuzz-seed3-59004-symbol-table.nir" : "nir-valid-mlp.nir").path
        let data = corpus.appendingPathComponent(networkCrashes ? "data-valid.h5" : "fuzz-seed3-61982-symbol-table-lookup.h5").path
        let out = try Fixtures.scratchDirectory().appendingPathComponent("out.h5").path
        let result = try ProcessRunner.run(RepositoryPaths.cliBinary.path,
                                           ["run", network, "--data", data, "--out", out, "--timesteps", "2", "--quiet"])
        let crashed = networkCrashes ? network : data
        let sound = networkCrashes ? data : network
        #expect(result.status == 65, "exit \(result.status)")
        #expect(result.standardError.hasPrefix("Error: \(crashed): damaged file: the HDF5 library crashed reading it (signal "),
                "\(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "one line: \(result.standardError)")
        #expect(!result.standardError.contains(sound), "\(result.standardError)")
    }
}
