import Foundation
import NeuroCost
import Testing

/// `neurocost price` against `neurocost run`, and the run's handling of profiles that cannot price it.
@Suite struct PriceCommandTests {
    private func neurocost(_ arguments: [String]) throws -> ProcessResult {
        let binary = RepositoryPaths.cliBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FixtureError(description: "\(binary) is missing: run `swift build` before the tests")
        }
        return try ProcessRunner.run(binary, arguments, in: RepositoryPaths.root)
    }

    private func energy(_ path: String, _ key: String) throws -> [Double] {
        let file = try HDF5File(path: path, mode: .readOnly)
        defer { file.close() }
        let group = try file.openGroup("energy/\(key)")
        return try group.openDataset("by_layer_picojoules").read(as: Double.self)
            + group.openDataset("per_sample_by_component_picojoules").read(as: Double.self)
            + group.attribute("total_picojoules", as: Double.self)
    }

    private func conventions(_ path: String) throws -> [Double] {
        let file = try HDF5File(path: path, mode: .readOnly)
        defer { file.close() }
        return try file.openDataset("conventions/seed_eq12/accumulates").read(as: Double.self)
            + file.openDataset("conventions/neurobench/effective_macs").read(as: Int64.self).map(Double.init)
    }

    @Test("price equals the energy run writes, to the bit; --timesteps 4 equals a run of 4 steps")
    func priceEqualsRun() throws {
        let folder = try Fixtures.scratchDirectory()
        let run8 = folder.appendingPathComponent("run8.h5").path, run4 = folder.appendingPathComponent("run4.h5").path
        let priced8 = folder.appendingPathComponent("priced8.h5").path, priced4 = folder.appendingPathComponent("priced4.h5").path
        let common = ["--encoding", "poisson", "--limit", "24", "--quiet"]
        var result = try neurocost(["run", "--profile", "horowitz-45nm-fp32,loihi", "--profile", "keras-spiking-gpu", "--per-step-counts",
                                    "--out", run8] + common)
        #expect(result.status == 0, "\(result.standardError)")
        result = try neurocost(["run", "--profile", "horowitz-45nm-fp32", "--timesteps", "4", "--out", run4] + common)
        #expect(result.status == 0, "\(result.standardError)")
        result = try neurocost(["price", run8, "--profiles", "horowitz-45nm-fp32,loihi,keras-spiking-gpu", "--out", priced8])
        #expect(result.status == 0, "\(result.standardError)")
        for key in ["horowitz-45nm-fp32", "loihi", "keras-spiking-gpu"] {
            #expect(try energy(run8, key).map(\.bitPattern) == energy(priced8, key).map(\.bitPattern), "\(key)")
        }
        #expect(try conventions(run8) == conventions(priced8))
        result = try neurocost(["price", run8, "--profile", "horowitz-45nm-fp32", "--timesteps", "4", "--out", priced4])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try energy(run4, "horowitz-45nm-fp32").map(\.bitPattern) == energy(priced4, "horowitz-45nm-fp32").map(\.bitPattern))
        #expect(try conventions(run4) == conventions(priced4))
        // Without per-step counts, a prefix cannot be priced.
        result = try neurocost(["price", run4, "--timesteps", "2"])
        #expect(result.status != 0 && result.standardError.contains("--per-step-counts"), "\(result.standardError)")
    }

    @Test("a profile that cannot price the run is said once, recorded, and the others are priced")
    func unpriceableProfile() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("run.h5").path
        let result = try neurocost(["run", "--profile", "loihi", "--profile", "horowitz-45nm-fp32", "--profile", "loihi",
                                    "--limit", "10", "--out", out, "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.components(separatedBy: "cannot price").count == 2, "\(result.standardError)")
        let file = try HDF5File(path: out, mode: .readOnly)
        defer { file.close() }
        #expect(try file.openGroup("energy/loihi").stringAttribute("unavailable").contains("energy.mac"))
        #expect(!file.exists("energy/loihi-2"))  // the same profile twice is priced once
        #expect(try file.openGroup("energy/horowitz-45nm-fp32").attribute("total_picojoules", as: Double.self)[0] > 0)
        #expect(try file.openGroup("energy/horowitz-45nm-fp32").stringAttribute("profile_file") == "bundled:horowitz-45nm-fp32.yaml")
    }

    @Test("run with no arguments prints the energy table under the default profile")
    func defaultRunPricesEnergy() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("default.h5").path
        let result = try neurocost(["run", "--limit", "10", "--out", out, "--quiet"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("energy per sample:") && result.standardOutput.contains("horowitz-45nm-fp32"))
        #expect(result.standardOutput.contains("seed Eq.12"))
    }

    @Test("run --json and compare --json print the per-sample figures as JSON")
    func jsonOutput() throws {
        let folder = try Fixtures.scratchDirectory()
        var result = try neurocost(["run", "--limit", "6", "--json", "--out", folder.appendingPathComponent("j.h5").path])
        #expect(result.status == 0, "\(result.standardError)")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let energy = try #require(run["energy_per_sample_picojoules"] as? [String: Any])
        let horowitz = try #require(energy["horowitz-45nm-fp32"] as? [String: Any])
        #expect((horowitz["total"] as? Double ?? 0) > 0)
        let conventions = try #require(run["conventions_per_sample"] as? [String: Any])
        #expect(conventions["seed_eq12"] != nil && conventions["neurobench"] != nil)
        result = try neurocost(["compare", "--limit", "4", "--json", "--profile", "horowitz-45nm-int8"])
        #expect(result.status == 0, "\(result.standardError)")
        let compare = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let data = try #require(compare["data"] as? [[String: Any]])
        #expect(data.count == 1 && data[0]["ANN"] != nil && data[0]["SNN"] != nil && data[0]["baseline"] != nil)
    }
}
