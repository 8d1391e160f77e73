internal import CHDF5

/// Library-wide settings and facts about the linked libhdf5.
public enum HDF5 {
    /// Stops libhdf5 from printing its error stack to stderr on the calling thread.
    ///
    /// Idempotent. HDF5Kit already calls it before each of its own operations (the thread-safe libhdf5 keeps one
    /// error stack per thread), so callers only need it before calling libhdf5 directly.
    public static func silenceErrorStack() {
        HDF5ErrorStack.silenceCurrentThread()
    }

    /// Version of the libhdf5 actually linked at run time, e.g. `"1.10.8"`.
    public static var libraryVersion: String {
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var release: UInt32 = 0
        guard H5get_libversion(&major, &minor, &release) >= 0 else { return "unknown" }
        return "\(major).\(minor).\(release)"
    }

    /// Whether the linked libhdf5 can write and read deflate (gzip) compressed datasets.
    public static var isDeflateAvailable: Bool {
        HDF5ErrorStack.silenceCurrentThread()
        return H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0
    }
}
