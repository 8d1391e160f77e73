import Foundation
import Testing
@testable import NeuroCost

/// The CLI's supervisor (Sources/NeuroCostCLI/Supervisor.swift): the process a user starts forks one worker and
/// ends as it does, except that a crash or hang of libhdf5 while reading an input ends in one line naming the file
/// (exit 65). Each path is checked from the built binary; SIGINT's exit 130 is TraceTests' and test_exit_codes.py's.
@Suite(.serialized) struct SupervisorTests {
    let binary = RepositoryPaths.cliBinary.path

    /// A run long enough (the training set at T = 64 on one thread) to be signalled mid-simulation.
    func longRun(out: String) -> Process {
        let process = Process()
        // Started with no signal blocked, as from a shell (this test process blocks some, and children inherit
        // that mask): python3 clears the mask and execs the CLI in its place, keeping the pid.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.currentDirectoryURL = RepositoryPaths.root
        let unblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        process.arguments = ["python3", "-c", unblocked, binary,
                             "run", "--data", "Datasets/digits/digits-train.h5", "--timesteps", "64", "--threads", "1",
                             "--trace", "spikes", "--out", out, "--quiet"]
        // The worker's own crash report would only slow the test down.
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// The worker of the supervisor `process`, once it writes the results file (so it is past reading its inputs).
    func worker(of process: Process, out: String) throws -> pid_t {
        try PartialFileWatcher.waitForGrowth(of: try PartialFileWatcher.partialPath(of: out, process: process), times: 2,
                                             process: process)
        let pid = process.processIdentifier
        let children = try String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)
            .split(separator: " ").compactMap { pid_t($0) }
        return try #require(children.first, "the supervisor has no worker")
    }

    @Test("a signal the worker dies of outside a read (here SIGTERM, SIGSEGV) ends the supervisor the same way",
          arguments: [SIGTERM, SIGSEGV])
    func sameSignal(signal: Int32) throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("signalled.h5").path
        let process = longRun(out: out)
        try process.run()
        let worker = try worker(of: process, out: out)
        if signal == SIGTERM { kill(process.processIdentifier, signal) } else { kill(worker, signal) }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signal)
        #expect(!FileManager.default.fileExists(atPath: out), "an unfinished run leaves --out untouched")
    }

    @Test("the worker does not outlive its supervisor")
    func workerEndsWithSupervisor() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("orphan.h5").path
        let process = longRun(out: out)
        try process.run()
        let worker = try worker(of: process, out: out)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let deadline = ContinuousClock.now + .seconds(10)
        // Gone, or a zombie waiting for init to reap it (state Z in /proc/PID/stat).
        func alive() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(worker)/stat", encoding: .utf8) else { return false }
            return !stat.contains(") Z ")
        }
        while alive() && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(!alive(), "worker \(worker) still runs after its supervisor was killed")
    }

    /// CPU time (user + system, clock ticks) from a /proc `stat` file: a process's (all its threads, ended ones
    /// included) or one thread's (`/proc/PID/task/TID/stat`).
    func cpuTicks(statFile path: String) throws -> Int {
        let stat = try String(contentsOfFile: path, encoding: .utf8)
        // Fields after the parenthesised command name: state is field 3, utime and stime fields 14 and 15.
        let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
        return try #require(Int(fields[11])) + (try #require(Int(fields[12])))
    }

    /// The forked worker's only thread carries the supervisor thread's id in the Swift runtime's lock words
    /// (`WorkerThread`); two threads contending a lock it took livelocked CI for 90 minutes. The command must run
    /// on a thread made after the fork while that one only waits: it stays at (almost) no CPU time while the run
    /// (on one thread) uses seconds of it.
    @Test("the worker runs the command on a thread made after the fork; the thread that forked stays idle")
    func commandRunsOffTheForkingThread() throws {
        let out = try Fixtures.scratchDirectory().appendingPathComponent("fresh-thread.h5").path
        let process = longRun(out: out)
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let worker = try worker(of: process, out: out)
        let deadline = ContinuousClock.now + .seconds(60)
        var total = try cpuTicks(statFile: "/proc/\(worker)/stat")
        while total < 100 && ContinuousClock.now < deadline {  // a second of work at the usual 100 ticks/s
            usleep(50_000)
            total = try cpuTicks(statFile: "/proc/\(worker)/stat")
        }
        let forking = try cpuTicks(statFile: "/proc/\(worker)/task/\(worker)/stat")
        #expect(total >= 100, "the run used only \(total) ticks")
        #expect(forking <= 2, "the worker's forking thread used \(forking) of the process's \(total) ticks")
    }

    @Test("a file libhdf5 never finishes reading ends in one line naming it, exit 65 (a FIFO with no writer)")
    func hungReadIsNamed() throws {
        let folder = try Fixtures.scratchDirectory()
        let network = folder.appendingPathComponent("stuck.nir").path
        #expect(mkfifo(network, 0o600) == 0)
        let started = ContinuousClock.now
        let result = try ProcessRunner.run(binary, ["inspect", network])
        #expect(result.status == 65, "exit \(result.status)")
        #expect(result.standardError == "Error: \(network): damaged file: the HDF5 library did not finish reading it within 15 s\n")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("a finished run's output and results file are complete when the command ends")
    func finishedRunEndsComplete() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("supervisor-finished-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The worker of a finished run leaves without exit handlers: by then everything the run writes must be in
        // place, which is what is read here as soon as the command ends.
        let result = try ProcessRunner.run(binary, ["run", "--limit", "3", "--out", out, "--quiet"], in: RepositoryPaths.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasSuffix("--profile NAME (repeatable) chooses others\n"), "\(result.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: out))
        let file = try HDF5File(path: out, mode: .readOnly)
        #expect(file.exists("counts/per_sample/synops") && file.exists("energy/horowitz-45nm-fp32/by_layer_picojoules"))
    }

    @Test("standard output and the exit status pass through unchanged")
    func passesThrough() throws {
        let version = try ProcessRunner.run(binary, ["--version"])
        #expect(version.status == 0 && version.standardOutput.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version.standardOutput)")
        let usage = try ProcessRunner.run(binary, ["run", "--limit", "0"])
        #expect(usage.status == 64 && usage.standardError.contains("--limit must be at least 1"))
    }
}
