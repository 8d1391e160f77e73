internal import CHDF5

/// Access to libhdf5's error stack: silencing its stderr printing and reading its explanation of a failure.
///
/// In the thread-safe libhdf5 build every thread has its own error stack, and a new stack starts with
/// automatic printing switched on. Silencing once is therefore not enough when Swift code hops between
/// threads, so HDF5Kit silences the current thread's stack before every operation (a cheap call).
enum HDF5ErrorStack {
    /// Turns off automatic printing of the calling thread's error stack.
    static func silenceCurrentThread() {
        // The status is ignored on purpose: if this fails, the only consequence is diagnostic noise on stderr.
        _ = H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
    }

    /// The innermost (most specific) description on the calling thread's error stack, if any.
    ///
    /// Must be called right after the failing call: every HDF5 API call clears the stack on entry.
    static func innermostDescription() -> String? {
        final class Collector { var firstDescription: String? }
        let collector = Collector()
        let status = withExtendedLifetime(collector) {
            // Walking upward starts at the function that first detected the problem.
            H5Ewalk2(hid_t(H5E_DEFAULT), H5E_WALK_UPWARD, { _, errorDescriptor, clientData in
                guard let clientData, let errorDescriptor else { return 0 }
                let collector = Unmanaged<Collector>.fromOpaque(clientData).takeUnretainedValue()
                if collector.firstDescription == nil, let description = errorDescriptor.pointee.desc {
                    collector.firstDescription = String(cString: description)
                }
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        guard status >= 0, let description = collector.firstDescription, !description.isEmpty else { return nil }
        return description
    }
}
