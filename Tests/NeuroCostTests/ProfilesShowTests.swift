import Foundation
import NeuroCost
import Testing

/// `neurocost profiles show` prints what the mapper and the ledger resolve from a profile beyond its energy table:
/// disputed constants' bounds with their sources, the calibration point, the host loop, the core limits and layout.
@Suite struct ProfilesShowTests {
    func show(_ name: String) throws -> String {
        let binary = RepositoryPaths.cliBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FixtureError(description: "\(binary) is missing: run `swift build` before the tests")
        }
        let result = try ProcessRunner.run(binary, ["profiles", "show", name], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput
    }

    @Test("loihi: bounds with sources, calibration point, host loop, core limits, tile mesh and population axons")
    func loihi() throws {
        let text = try show("loihi")
        let profile = try ProfileLibrary.load("loihi")
        let ranged = try #require(profile.staticPowerWatts)
        #expect(ranged.isRanged, "the test needs loihi's disputed static power")
        let high = try #require(ranged.high)
        #expect(text.contains("range: low —, high \(printed(high.value)) W"))
        #expect(text.contains(high.source))
        #expect(text.contains("calibration point (fitted: host.loop_s"))
        #expect(text.contains("541 neurons") && text.contains("power 0.11 W"))
        #expect(text.contains("host loop: a step lasts at least"))
        #expect(text.contains("4096 input axons per core") && text.contains("4096 output axons per core"))
        #expect(text.contains("mesh 8 columns × 4 rows of tiles of 4 core(s)"))
        #expect(text.contains("population axons (convolutions): 2 output slot(s) per axon, compartment base within 256"))
        #expect(text.contains("synapse encoding loihi"))
    }

    @Test("truenorth: the crossbar's limits: one destination core, 4 weight values, 256 input axons")
    func truenorth() throws {
        let text = try show("truenorth")
        #expect(text.contains("256 input axons per core") && text.contains("1 destination core(s) per neuron"))
        #expect(text.contains("4 weight values per neuron") && text.contains("synapse encoding crossbar"))
        #expect(!text.contains("population axons"))
    }

    /// A number as `profiles show` prints it: without a trailing `.0`.
    func printed(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
