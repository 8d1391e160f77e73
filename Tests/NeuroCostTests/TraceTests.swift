import Foundation
import NeuroCost
import Testing

/// Spike traces and membrane recordings streamed to HDF5, read back by h5py, and runs that end early.
@Suite struct TraceTests {
    private var binary: String { RepositoryPaths.cliBinary.path }

    @Test("every spike of every node is traced: per node, sample and step the events equal /counts, ascending neurons, narrow and unfiltered")
    func tracesMatchCounts() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("traced.h5").path
        let run = try ProcessRunner.run(binary, ["run", "--trace", "spikes", "--record-v", "if3:0,5,63", "--limit", "60",
                                                 "--out", out, "--quiet"], in: RepositoryPaths.root)
        #expect(run.status == 0, "\(run.standardError)")
        let check = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            names = list(f["layers/names"].asstr()[...])
            spikes = f["counts/spikes"][...]
            per_sample = f["counts/per_sample/spikes"][...]
            T, N = int(f.attrs["timesteps"]), int(f.attrs["samples"])
            assert int(f.attrs["completed_samples"]) == N == 60, dict(f.attrs)
            nodes = list(f["traces/spikes"])
            assert sorted(nodes) == ["if1", "if2", "if3"], nodes
            for node in nodes:
                g = f["traces/spikes"][node]
                assert "sample" not in g and "step" not in g
                starts, n = g["step_start"][...], g["neuron"][...]
                assert int(g.attrs["neurons"]) == np.prod(g.attrs["shape"]) and int(g.attrs["timesteps"]) == T
                assert n.dtype == (np.uint16 if np.prod(g.attrs["shape"]) <= 65536 else np.uint32), n.dtype
                assert starts.dtype == np.int64 and len(starts) == N * T + 1 and starts[0] == 0 and starts[-1] == len(n)
                per_step = np.diff(starts).reshape(N, T)
                assert (per_step.sum(axis=0) == spikes[:, names.index(node)]).all(), node
                assert (per_step.sum(axis=1) == per_sample[:, names.index(node)]).all(), node
                assert (g["sample_start"][...] == starts[::T]).all(), node
                for row in range(N * T):
                    assert (np.diff(n[starts[row]:starts[row + 1]].astype(np.int64)) >= 0).all(), "order " + node
                assert n.max() < np.prod(g.attrs["shape"])
                assert g["neuron"].compression is None and not g["neuron"].shuffle and g["neuron"].maxshape == (None,)
            v = f["traces/v/if3/values"]
            assert v.shape == (60, T, 3) and v.dtype == np.float32, v.shape
            assert list(f["traces/v/if3/neurons"][...]) == [0, 5, 63]
            print("traces OK")
            """
        let result = try ProcessRunner.run("python3", ["-c", check, out])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")

        // The documented trace layout (docs/results-schema.json) is what was written.
        let schemaData = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/results-schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let groups = try #require(schema["trace_groups"] as? [String: [String: Any]])
        let file = try HDF5File(path: out, mode: .readOnly)
        defer { file.close() }
        for (kind, node) in [("spikes", "if2"), ("v", "if3")] {
            let spec = try #require(groups[kind])
            let group = try file.openGroup("traces/\(kind)/\(node)")
            for attribute in spec["attributes"] as? [String] ?? [] { #expect(group.hasAttribute(attribute), "\(kind) \(attribute)") }
            for (name, value) in try #require(spec["datasets"] as? [String: [String: Any]]) {
                let dataset = try group.openDataset(name)
                #expect(try dataset.shape.count == (value["shape"] as? [String])?.count, "\(kind)/\(name) rank")
                let expected = value["dtype"] as? String
                switch try dataset.elementType {
                case .signedInteger(let bytes): #expect(expected == "int\(bytes * 8)", "\(kind)/\(name)")
                case .unsignedInteger(let bytes): #expect(expected == "uint\(bytes * 8)", "\(kind)/\(name)")
                case .float(let bytes): #expect(expected == "float\(bytes * 8)", "\(kind)/\(name)")
                default: Issue.record("\(kind)/\(name): unexpected type")
                }
            }
        }
    }

    @Test("--trace raster holds exactly the spikes --trace spikes lists, one bit per neuron and step, as documented")
    func rasterEqualsEvents() throws {
        let directory = try Fixtures.scratchDirectory()
        let events = directory.appendingPathComponent("events.h5").path
        let raster = directory.appendingPathComponent("raster.h5").path
        for (kind, out) in [("spikes", events), ("raster", raster)] {
            let run = try ProcessRunner.run(binary, ["run", "--trace", kind, "--limit", "40", "--threads", "2",
                                                     "--out", out, "--quiet"], in: RepositoryPaths.root)
            #expect(run.status == 0, "\(run.standardError)")
        }
        let check = """
            import sys, h5py, numpy as np
            ev, ra = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
            names = list(ra["layers/names"].asstr()[...])
            T, N = int(ra.attrs["timesteps"]), int(ra.attrs["samples"])
            assert sorted(ra["traces/raster"]) == sorted(ev["traces/spikes"]) == ["if1", "if2", "if3"]
            assert "spikes" not in ra["traces"]
            total = 0
            for node in ra["traces/raster"]:
                g = ra["traces/raster"][node]
                n = int(g.attrs["neurons"])
                assert n == int(np.prod(g.attrs["shape"])) and g.attrs["bitorder"] == "little"
                bits = g["bits"]
                assert bits.dtype == np.uint8 and bits.shape == (N, T, (n + 7) // 8) and bits.compression is None
                dense = np.unpackbits(bits[...], axis=-1, bitorder="little")
                assert not dense[..., n:].any(), "padding bits must stay clear"
                dense = dense[..., :n]
                e = ev["traces/spikes"][node]
                rows = np.diff(e["step_start"][...])  # spikes per (sample, step), sample-major
                sample_step = np.repeat(np.arange(N * T), rows)
                expected = np.zeros((N, T, n), dtype=np.uint8)
                expected[sample_step // T, sample_step % T, e["neuron"][...].astype(np.int64)] = 1
                assert np.array_equal(dense, expected), node
                assert (dense.sum(axis=(0, 2)) == ra["counts/spikes"][:, names.index(node)]).all(), node
                total += int(dense.sum())
            assert total > 1000, total
            print("raster OK", total)
            """
        let result = try ProcessRunner.run("python3", ["-c", check, events, raster])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")

        let schemaData = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/results-schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let spec = try #require((schema["trace_groups"] as? [String: [String: Any]])?["raster"])
        let file = try HDF5File(path: raster, mode: .readOnly)
        defer { file.close() }
        let group = try file.openGroup("traces/raster/if2")
        for attribute in spec["attributes"] as? [String] ?? [] { #expect(group.hasAttribute(attribute), "raster \(attribute)") }
        #expect(try group.openDataset("bits").elementType == .unsignedInteger(bytes: 1))
    }

    /// Starts a traced run long enough (the training set at T = 64 on one thread, debug build) to be stopped
    /// mid-run, and returns once its partial file beside `out` has grown twice (no fixed wait), with that file's path.
    private func startLongTracedRun(out: String) throws -> (process: Process, partial: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.currentDirectoryURL = RepositoryPaths.root
        process.arguments = ["run", "--data", "Datasets/digits/digits-train.h5", "--timesteps", "64", "--threads", "1",
                             "--trace", "spikes", "--out", out, "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let partial = try PartialFileWatcher.partialPath(of: out, process: process)
        try PartialFileWatcher.waitForGrowth(of: partial, times: 2, process: process)
        return (process, partial)
    }

    @Test("SIGINT stops the run after the block in progress; h5py opens the file with every completed sample")
    func interruptedRunLeavesReadableFile() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("interrupted.h5").path
        let (process, partial) = try startLongTracedRun(out: out)
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(!FileManager.default.fileExists(atPath: partial), "the finished file was moved into place")
        let check = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            done, planned = int(f.attrs["completed_samples"]), int(f.attrs["planned_samples"])
            assert 0 < done < planned, (done, planned)
            assert int(f.attrs["interrupted"]) == 1 and int(f.attrs["samples"]) == done
            assert f["counts/per_sample/spikes"].shape[0] == done and f["results/predictions"].shape == (done,)
            names = list(f["layers/names"].asstr()[...])
            T = int(f.attrs["timesteps"])
            for node in f["traces/spikes"]:
                g = f["traces/spikes"][node]
                starts = g["step_start"][...]
                assert len(starts) == done * T + 1 and starts[-1] == g["neuron"].shape[0]
                assert (np.diff(g["sample_start"][...]) == f["counts/per_sample/spikes"][:, names.index(node)]).all()
                assert (g["sample_start"][...] == starts[::T]).all()
            print("interrupted OK", done, planned)
            """
        let result = try ProcessRunner.run("python3", ["-c", check, out])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
    }

    @Test("a killed traced run leaves a partial file h5py opens, indexing every sample its last flush completed")
    func killedRunLeavesConsistentPartialFile() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("killed.h5").path
        let (process, partial) = try startLongTracedRun(out: out)
        // The file is flushed once a second while tracing: kill the worker after a few flushes.
        usleep(2_500_000)
        try #require(process.isRunning, "the run ended before it could be killed")
        let name = URL(fileURLWithPath: partial).lastPathComponent
        let worker = pid_t(name[name.index(after: name.lastIndex(of: "-")!)...])!
        kill(worker, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: out), "the destination is untouched")
        let check = """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            done, T = int(f.attrs["completed_samples"]), int(f.attrs["timesteps"])
            assert done > 0, done
            for node in f["traces/spikes"]:
                g = f["traces/spikes"][node]
                starts = g["step_start"][...]
                assert len(starts) >= done * T + 1, (node, len(starts), done)
                assert starts[0] == 0 and (np.diff(starts[: done * T + 1]) >= 0).all()
                assert starts[done * T] <= g["neuron"].shape[0], (node, starts[done * T], g["neuron"].shape)
            print("killed OK", done)
            """
        let result = try ProcessRunner.run("python3", ["-c", check, partial])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        try? FileManager.default.removeItem(atPath: partial)
    }

    @Test("bad data in a later sample ends the run with an error, keeping every sample completed before it")
    func failureInLaterSampleKeepsEarlierOnes() throws {
        let folder = try Fixtures.scratchDirectory()
        let network = folder.appendingPathComponent("tiny.nir").path
        try NIRWriter.write(EnergyLedgerTests.tinyNetwork(), to: network)
        let data = folder.appendingPathComponent("spikes.h5").path
        var values = [Float](repeating: 1, count: 40 * 4 * 2)
        values[30 * 8 + 3] = 2  // sample 30 holds a value that is not a spike
        let file = try HDF5File(path: data, mode: .createNew)
        try file.writeDataset("spikes", values, shape: [40, 4, 2])
        file.close()
        let out = folder.appendingPathComponent("partial.h5").path
        let run = try ProcessRunner.run(binary, ["run", network, "--data", data, "--encoding", "spikes", "--timesteps", "4",
                                                 "--threads", "2", "--trace", "spikes", "--out", out, "--quiet"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("sample 30"), "\(run.standardError)")
        let written = try HDF5File(path: out, mode: .readOnly)
        defer { written.close() }
        let completed = try #require(try written.attribute("completed_samples", as: Int64.self).first)
        #expect(completed == 30)  // every sample before the bad one ran
        #expect(try written.openDataset("counts/per_sample/spikes").shape == [30, 3])
        #expect(try written.stringAttribute("failure").contains("sample 30"))
    }
}

/// Waits, by polling, until a file another process writes has changed size a number of times.
enum PartialFileWatcher {
    /// The temporary file the run started as `process` writes before `out` is complete: `.<name>.partial-<pid>`,
    /// where pid is its worker's (the CLI's supervisor forks one), so found by its prefix.
    static func partialPath(of out: String, process: Process, timeout: Duration = .seconds(120)) throws -> String {
        let url = URL(fileURLWithPath: out)
        let folder = url.deletingLastPathComponent().path, prefix = ".\(url.lastPathComponent).partial-"
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let name = try FileManager.default.contentsOfDirectory(atPath: folder).first(where: { $0.hasPrefix(prefix) }) {
                return folder + "/" + name
            }
            guard process.isRunning else { throw FixtureError(description: "the run ended before writing \(prefix)*") }
            usleep(5_000)
        }
        throw FixtureError(description: "no \(prefix)* in \(folder) within \(timeout)")
    }

    static func waitForGrowth(of path: String, times: Int, process: Process, timeout: Duration = .seconds(120)) throws {
        let deadline = ContinuousClock.now + timeout
        var lastSize: Int = 0
        var changes = 0
        while changes < times {
            guard process.isRunning else { throw FixtureError(description: "the run ended before \(path) grew \(times) times") }
            guard ContinuousClock.now < deadline else { throw FixtureError(description: "\(path) did not grow within \(timeout)") }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size != lastSize {
                lastSize = size
                changes += 1
            }
            usleep(5_000)
        }
    }
}
