import Foundation
import Synchronization

/// Set by SIGINT: the run stops after the block in progress and the results file is finished for the samples done.
enum InterruptFlag {
    private static let flag = Atomic<Bool>(false)

    static func install() {
        signal(SIGINT) { _ in InterruptFlag.flag.store(true, ordering: .relaxed) }
        // A parent may have spawned us with SIGINT blocked (the mask is inherited); take delivery back.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func isSet() -> Bool {
        flag.load(ordering: .relaxed)
    }
}
