#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Isolates libhdf5 crashes: the process the user starts forks one worker that does all the work, and watches it.
///
/// Debian's libhdf5 (1.10) can crash or hang on damaged files in ways HDF5Kit's checks do not cover (its metadata
/// cache trusts sizes and addresses it reads). The worker says which input it is reading over a pipe
/// (`SupervisedReading`); if it dies by a crash signal while reading one, or a read does not finish within its
/// time limit, this process prints one error line naming the file and exits 65 (docs/exit-codes.md). Otherwise it
/// ends as the worker did: the same exit status, or the same signal. Every file is read once, by the worker.
///
/// The fork happens first thing in `main`, while the process is single-threaded (no Foundation, Dispatch or
/// libhdf5 yet), so the worker is this process's copy without a second exec and Swift runtime start; the worker
/// runs the command on a thread made after the fork (`WorkerThread` says why).
/// Interrupting or terminating signals sent to this process are passed on to the worker (a run ends with 130
/// and its completed samples as before), and the worker kills itself when this process goes away (a pipe only
/// this process holds reaches end of file). Standard input, output and error are shared.
enum Supervisor {
    /// Signals passed on to the worker: those a user, shell or job scheduler sends to stop or nudge a job.
    static let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Signals by which a process dies when code inside it fails (libhdf5 on a damaged file, a Swift trap).
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS]

    /// The worker's process id, read by the forwarding signal handler (0 until the worker exists).
    nonisolated(unsafe) private static var workerID: pid_t = 0

    /// Forks the worker, which runs `command` on a thread of its own (`WorkerThread`) and ends when it returns; this
    /// process watches it and ends as it did. If no worker can be made, this process runs `command` unsupervised.
    static func run(_ command: @escaping () -> Void) -> Never {
        let unsupervised: () -> Never = {
            command()
            exit(0)
        }
        var progress: [Int32] = [-1, -1]
        var lifeline: [Int32] = [-1, -1]
        guard pipe(&progress) == 0 else { unsupervised() }
        guard pipe(&lifeline) == 0 else {
            progress.forEach { close($0) }
            unsupervised()
        }
        // Children the worker spawns (merge's helper) must not hold either pipe open.
        for descriptor in progress + lifeline { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        // Signals wait until the supervisor forwards them: none may arrive before it knows the worker's id.
        var forwarded = sigset_t(), previous = sigset_t()
        sigemptyset(&forwarded)
        for signal in forwardedSignals { sigaddset(&forwarded, signal) }
        sigprocmask(SIG_BLOCK, &forwarded, &previous)
        let worker = fork()
        if worker <= 0 {
            sigprocmask(SIG_SETMASK, &previous, nil)
            if worker < 0 {
                (progress + lifeline).forEach { close($0) }
                unsupervised()
            }
            close(progress[0])
            close(lifeline[1])
            SupervisedReading.attach(progressDescriptor: progress[1], lifelineDescriptor: lifeline[0])
            WorkerThread.run(command)
        }
        close(progress[1])
        close(lifeline[0])  // the write end stays open here until this process ends: the worker's lifeline
        workerID = worker
        for forwardedSignal in forwardedSignals {
            _ = signal(forwardedSignal) { received in kill(Supervisor.workerID, received) }
        }
        // The worker keeps the mask this process was started with (a launcher may block some of these, and the
        // worker then ignores them as this process would have); the supervisor takes them all, to pass them on.
        sigprocmask(SIG_SETMASK, &previous, nil)
        sigprocmask(SIG_UNBLOCK, &forwarded, nil)
        let outcome = watch(worker, progress: progress[0])
        end(as: outcome)
    }

    /// How the worker ended, and what it was reading then.
    enum Outcome: Equatable {
        case exited(Int32)
        case killed(signal: Int32, reading: String?)
        case hung(reading: String, limitSeconds: Int)
    }

    /// Reads the worker's phase messages until it ends (or overruns a read's time limit), then reaps it.
    private static func watch(_ worker: pid_t, progress descriptor: Int32) -> Outcome {
        var phase = ReadingPhaseParser()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var waitMilliseconds: Int32 = -1
            if let deadline = phase.deadline {
                let left = deadline - ContinuousClock.now
                waitMilliseconds = Int32(clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1))
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                if let reading = phase.reading, let deadline = phase.deadline, ContinuousClock.now >= deadline {
                    kill(worker, SIGKILL)  // stuck inside libhdf5: it must not outlive the command
                    _ = reap(worker)
                    return .hung(reading: reading.path, limitSeconds: reading.limitSeconds)
                }
                continue
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }  // end of file: the worker has ended
            phase.consume(chunk[0..<count], now: ContinuousClock.now)
        }
        let status = reap(worker)
        if let number = terminatingSignal(status) { return .killed(signal: number, reading: phase.reading?.path) }
        return .exited(exitStatus(status))
    }

    private static func reap(_ worker: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(worker, &status, 0) < 0 {
            if errno != EINTR { return 1 << 8 }  // cannot happen for our own child; count it as a failure
        }
        return status
    }

    // The <sys/wait.h> macros, which Swift does not import.
    private static func terminatingSignal(_ status: Int32) -> Int32? {
        let signal = status & 0x7f
        return signal != 0 && signal != 0x7f ? signal : nil
    }

    private static func exitStatus(_ status: Int32) -> Int32 { (status >> 8) & 0xff }

    /// Ends this process as the outcome says.
    private static func end(as outcome: Outcome) -> Never {
        // The worker is reaped and its id may be reused: nothing is passed on any more.
        for forwardedSignal in forwardedSignals { _ = signal(forwardedSignal, SIG_IGN) }
        switch outcome {
        case .exited(let status):
            exit(status)
        case .killed(let number, let reading?) where crashSignals.contains(number):
            fail("\(reading): damaged file: the HDF5 library crashed reading it (signal \(number))")
        case .hung(let reading, let limit):
            fail("\(reading): damaged file: the HDF5 library did not finish reading it within \(limit) s")
        case .killed(let number, _):
            // Die the same way, so a shell sees 128 + N and a launcher retries or not as for the worker itself;
            // with the default action (not the Swift runtime's crash reporter) and without a core file of this
            // process, which did nothing wrong.
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            #if os(Linux)
            setrlimit(Int32(RLIMIT_CORE.rawValue), &noCore)
            #else
            setrlimit(RLIMIT_CORE, &noCore)
            #endif
            _ = signal(number, SIG_DFL)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, number)
            sigprocmask(SIG_UNBLOCK, &only, nil)
            kill(getpid(), number)
            exit(128 + number)  // a signal whose default action is to be ignored
        }
    }

    private static func fail(_ description: String) -> Never {
        let message = NeuroCostCommand.fullMessage(for: CommandFailure(description)) + "\n"
        _ = message.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
        exit(ExitStatus.badInput.rawValue)
    }
}
