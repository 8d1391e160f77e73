import Foundation
import HDF5Kit
import Testing

/// Package.swift links libhdf5 from Debian's static archives when they are installed, so that a process start does
/// not load the 31 libraries the shared libhdf5 brings (libcurl, GnuTLS, Kerberos, LDAP for its S3 driver).
@Suite("Linkage")
struct LinkageTests {
    /// The manifest's own condition, asked again here.
    static let debianArchivesInstalled: Bool = {
        #if os(Linux) && arch(x86_64)
        let multiarch: String? = "x86_64-linux-gnu"
        #elseif os(Linux) && arch(arm64)
        let multiarch: String? = "aarch64-linux-gnu"
        #else
        let multiarch: String? = nil
        #endif
        guard let multiarch else { return false }
        return ["/usr/include/hdf5/serial/hdf5.h", "/usr/lib/\(multiarch)/libhdf5_serial.a",
                "/usr/lib/\(multiarch)/libhdf5_serial_hl.a"].allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }()

    @Test("with Debian's archives installed, no shared libhdf5 or libcurl is mapped into the process",
          .enabled(if: debianArchivesInstalled))
    func libhdf5IsLinkedFromItsArchives() throws {
        // Calls into libhdf5 first, so that a lazily loaded copy would be mapped by now.
        #expect(HDF5.libraryVersion.split(separator: ".").count == 3)
        #expect(HDF5.isDeflateAvailable)
        // Read to the end: /proc files report a size of 0, which a sized read would trust.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        #expect(maps.contains("[stack]"), "could not read /proc/self/maps")
        let mappedLibraries = Set(maps.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init)
        }.filter { $0.contains(".so") })
        #expect(!mappedLibraries.contains { $0.contains("libhdf5") }, "shared libhdf5 mapped: \(mappedLibraries.sorted())")
        #expect(!mappedLibraries.contains { $0.contains("libcurl") }, "libcurl mapped: \(mappedLibraries.sorted())")
    }
}
