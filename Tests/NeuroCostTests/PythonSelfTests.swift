import Foundation
import Testing

/// The Python side's own checks, run with the Swift tests so that CI runs them: the fixture generators verify
/// their expectations by brute force (static out-degrees, and the reference simulator's synops, MACs and bias
/// additions against loops over single spikes and weights), and the corpus generator still writes what the
/// replay corpus holds.
@Suite struct PythonSelfTests {
    /// The reference cases whose brute-force check takes well under a second each (the large CNN cases take
    /// minutes; `python3 Tests/Fixtures/make_sim_fixtures.py --self-test` runs them all).
    static let simulatorCases = ["mlp_dense_direct", "mlp_sparse90_direct", "residual_direct", "lif_value_reset_ge", "cubalif_direct",
                                 "poisson_mlp", "recurrent_lif", "affine_readout_mlp", "conv1d_direct", "cnn_pools_direct"]

    private func python(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run("python3", arguments, in: RepositoryPaths.root)
    }

    @Test("make_fixtures.py --self-test: scatters and out-degrees against brute force")
    func fixtureSelfTest() throws {
        let result = try python(["Tests/Fixtures/make_fixtures.py", "--self-test"])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("self-test OK"))
    }

    @Test("make_sim_fixtures.py --self-test: the reference simulator's counts against brute force")
    func simulatorSelfTest() throws {
        let result = try python(["Tests/Fixtures/make_sim_fixtures.py", "--self-test", "--only"] + Self.simulatorCases)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("self-test OK"))
        for name in Self.simulatorCases { #expect(result.standardOutput.contains("\(name): "), "\(name) not checked") }
    }

    @Test("make_hostile_corpus.py writes every case the checked-in replay corpus lists")
    func corpusGenerator() throws {
        let folder = try Fixtures.scratchDirectory()
        let result = try python(["Fuzz/make_hostile_corpus.py", folder.path])
        #expect(result.status == 0, "\(result.standardError)")
        let written = try String(contentsOf: folder.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        let checkedIn = try String(contentsOf: FuzzReplayTests.corpus.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        #expect(written == checkedIn, "regenerate Tests/Fixtures/fuzz-corpus with Fuzz/make_hostile_corpus.py")
    }
}
