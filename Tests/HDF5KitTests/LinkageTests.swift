import Foundation
import HDF5Kit
import Testing

/// Package.swift links libhdf5 from Debian's static archives when they are installed, so that a process start does
/// not load the 31 libraries the shared libhdf5 brings (libcurl, GnuTLS, Kerberos, LDAP for its S3 driver).
@Suite("Linkage")
struct LinkageTests {
    /// Whether Debian's static libhdf5 archives are installed here, in any multiarch directory.
    static let debianArchivesInstalled: Bool = {
        let libraries = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []
        return FileManager.default.fileExists(atPath: "/usr/include/hdf5/serial/hdf5.h") && libraries.contains { directory in
            directory.hasSuffix("-linux-gnu")
                && FileManager.default.fileExists(atPath: "/usr/lib/\(directory)/libhdf5_serial.a")
                && FileManager.default.fileExists(atPath: "/usr/lib/\(directory)/libhdf5_serial_hl.a")
        }
    }()

    @Test("with Debian's archives installed, no shared libhdf5 or libcurl is mapped into the process",
          .enabled(if: debianArchivesInstalled))
    func libhdf5IsLinkedFromItsArchives() throws {
        #if !HDF5_FROM_DEBIAN_ARCHIVES
        Issue.record("Package.swift did not choose the archives installed on this machine")
        #endif
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
