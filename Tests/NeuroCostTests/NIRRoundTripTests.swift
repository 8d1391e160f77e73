import Foundation
import NeuroCost
import Testing

/// Swift writes NIR; the Python `nir` package and the Swift reader must both get the same network back.
@Suite struct NIRRoundTripTests {
    @Test("nir.read loads what Swift wrote, unchanged", arguments: NIRReaderTests.fixtureNames)
    func pythonReadsSwiftOutput(fixture: String) throws {
        let original = try Fixtures.path(fixture)
        let written = try Fixtures.scratchDirectory().appendingPathComponent("\(fixture).nir").path
        let network = try NIRReader.read(path: original).network
        try NIRWriter.write(network, to: written)
        let checker = RepositoryPaths.fixtureScripts.appendingPathComponent("check_nir_roundtrip.py").path
        let result = try ProcessRunner.run("python3", [checker, original, written])
        #expect(result.status == 0, "\(fixture): \(result.standardOutput)\(result.standardError)")
    }

    @Test("Swift reads back what it wrote, equal in every node, edge and shape", arguments: NIRReaderTests.fixtureNames)
    func swiftReadsSwiftOutput(fixture: String) throws {
        let network = try NIRReader.read(path: Fixtures.path(fixture)).network
        let written = try Fixtures.scratchDirectory().appendingPathComponent("\(fixture).nir").path
        try NIRWriter.write(network, to: written)
        let again = try NIRReader.read(path: written).network
        #expect(again.nodes.map(\.name) == network.nodes.map(\.name))
        #expect(again.outputShapes == network.outputShapes)
        #expect(again.namedEdges == network.namedEdges)
        for (before, after) in zip(network.nodes, again.nodes) {
            #expect(before.kind.namedTensors.map(\.tensor) == after.kind.namedTensors.map(\.tensor), "node \(before.name)")
            #expect(before.kind.nirTypeName == after.kind.nirTypeName)
            #expect(before.metadata == after.metadata, "node \(before.name) metadata")
        }
        #expect(again.metadata == network.metadata)
    }

    @Test("the writer refuses to replace an existing file unless asked")
    func refusesToOverwrite() throws {
        let network = try NIRReader.read(path: Fixtures.path("mlp")).network
        let path = try Fixtures.scratchDirectory().appendingPathComponent("kept.nir").path
        try Data("the user's own bytes".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: NIRError.self) { try NIRWriter.write(network, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("the user's own bytes".utf8))
        try NIRWriter.write(network, to: path, overwrite: true)
        #expect(try NIRReader.read(path: path).network.nodes.count == network.nodes.count)
    }
}
