import Foundation
import Testing

/// NeuroCost's `--framework` modes against the frameworks themselves: `Tests/Fixtures/frameworks/crosscheck.py`
/// builds networks in snntorch, sinabs, norse and SpikingJelly, exports them with their own exporters and requires
/// every layer's spikes, synops and MACs per step and every prediction to equal the framework's forward pass.
@Suite struct FrameworkCrossCheckTests {
    /// Whether the pinned frameworks import (`.ci/install-deps` installs them; CI must have them).
    static let frameworksInstalled: Bool = {
        let probe = try? ProcessRunner.run("python3", ["-c", "import torch, nir, snntorch, sinabs, norse, spikingjelly"])
        return probe?.status == 0
    }()

    @Test func everyFrameworkCaseAgreesExactly() throws {
        guard Self.frameworksInstalled else {
            // A machine without torch skips; CI installs the frameworks and must run this.
            #expect(ProcessInfo.processInfo.environment["CI"] == nil,
                    "CI must install the frameworks (Tests/Fixtures/frameworks/install.sh, run by .ci/install-deps)")
            return
        }
        let binary = RepositoryPaths.cliBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "run `swift build` first: \(binary)")
        let script = RepositoryPaths.fixtureScripts.appendingPathComponent("frameworks/crosscheck.py").path
        let result = try ProcessRunner.run("python3", [script, "--neurocost", binary])
        #expect(result.status == 0, "framework cross-check failed:\n\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("cases agree"), "\(result.standardOutput)")
    }
}
