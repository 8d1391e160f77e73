// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The library's parts, re-exported by the `NeuroCost` umbrella. The tool, the fuzzer and the tests also name them
/// as direct dependencies: SwiftPM's incremental builds recompile a target only when a module it declares changes,
/// and a change inside a part (a stored layout, a signature) does not rewrite the umbrella's module, so without
/// these edges an incremental build linked stale objects (a link error, or a silently wrong binary; clean builds
/// were never affected; swiftlang/swift#89636, swiftlang/swift-package-manager#10483).
let libraryParts: [Target.Dependency] = [
    "NetworkModel", "NIRFormat", "CostAnalysis", "HDF5Kit", "SampleData", "Simulator", "ResultsFile", "Conversion",
    "EnergyLedger", "CoreMapping", "RunPricing", "HardwareProfiles",
]

/// Debian's and Ubuntu's `libhdf5-dev` ship libhdf5's static archives beside its shared libraries. Linked from the
/// archives, the tool loads 31 fewer shared libraries: the shared libhdf5 needs libcurl, OpenSSL, GnuTLS,
/// Kerberos and LDAP for its S3 driver, which NeuroCost never uses, and loading them took 5 ms of every process start
/// (Benchmarks/RESULTS.md, "Seventeenth session"). Elsewhere (Homebrew, other distributions) pkg-config's `hdf5`
/// is linked as a shared library, as before. A dependent that also links the shared libhdf5 itself would hold two
/// copies of the library, each with its own open files and identifiers: HDF5Kit's handles stay within HDF5Kit.
let linksDebianHDF5Archives: Bool = {
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

/// How HDF5Kit links libhdf5. `-l:` names an archive on the linker's search path (`/usr/lib/<multiarch>`), so no
/// flag is unsafe and the library products stay usable as dependencies. The high-level library (H5DS) goes first:
/// it calls into libhdf5, and libhdf5 into libsz (SZIP) and libz (DEFLATE).
let hdf5LinkerSettings: [LinkerSetting] = (linksDebianHDF5Archives
    ? [":libhdf5_serial_hl.a", ":libhdf5_serial.a", "sz", "z", "m", "dl"]
    : ["hdf5_hl", "hdf5", "z"]).map { .linkedLibrary($0) }

let package = Package(
    name: "NeuroCost",
    products: [
        .library(name: "NeuroCost", targets: ["NeuroCost"]),
        .library(name: "HDF5Kit", targets: ["HDF5Kit"]),
        .executable(name: "neurocost", targets: ["NeuroCostCLI"]),
        .executable(name: "neurocost-fuzz", targets: ["NeuroCostFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // Thin C view of Debian's libhdf5: a module map and a header-only shim for the macros Swift cannot import.
        // SwiftPM does not track these headers: after editing one, touch Sources/HDF5Kit/*.swift, or incremental
        // builds (and the tests) keep HDF5Kit's objects compiled from the old header. Clean builds are unaffected.
        .systemLibrary(
            name: "CHDF5",
            path: "Sources/CHDF5",
            // On Debian the headers are found by path (shim.h) and the archives linked by HDF5Kit; pkg-config's
            // flags would link the shared libhdf5 as well.
            pkgConfig: linksDebianHDF5Archives ? nil : "hdf5",
            providers: [.apt(["libhdf5-dev", "pkg-config"]), .brew(["hdf5"]), .yum(["hdf5-devel"])]
        ),
        // The only module that talks to the C library.
        .target(name: "HDF5Kit", dependencies: ["CHDF5"], linkerSettings: hdf5LinkerSettings),
        // Typed network graph: node kinds, shapes, topological order, validation.
        .target(name: "NetworkModel"),
        // NIR (HDF5) reader and writer.
        .target(name: "NIRFormat", dependencies: ["NetworkModel", "HDF5Kit"]),
        // Static cost analysis: weights, sparsity, exact fan-out, dense MACs, storage footprints.
        .target(name: "CostAnalysis", dependencies: ["NetworkModel"]),
        // Sample data files (images or spike trains with labels) read in blocks.
        .target(name: "SampleData", dependencies: ["HDF5Kit"]),
        // The simulator's hot kernels in C, compiled once per instruction set (per-function target attributes)
        // and chosen at run time from what the CPU supports: the plain release build is the fast one everywhere.
        .target(name: "CKernels"),
        // Event-driven simulation with exact counts.
        .target(name: "Simulator", dependencies: ["NetworkModel", "CostAnalysis", "SampleData", "CKernels"]),
        // ANN-to-SNN conversion: IF thresholds calibrated from input-current percentiles.
        .target(name: "Conversion", dependencies: ["NetworkModel", "Simulator", "SampleData"]),
        // Prices exact counts under hardware profiles: compute, memory traffic, routing, static.
        .target(name: "EnergyLedger", dependencies: ["NetworkModel", "CostAnalysis", "HardwareProfiles"]),
        // Places spiking neurons on a neuromorphic profile's cores and counts router hops.
        .target(name: "CoreMapping", dependencies: ["NetworkModel", "CostAnalysis", "Simulator", "HardwareProfiles"]),
        // Prices a simulated run: its counts handed to the ledger, neuromorphic profiles mapped onto cores first.
        .target(name: "RunPricing", dependencies: ["NetworkModel", "CostAnalysis", "Simulator", "EnergyLedger", "CoreMapping", "HardwareProfiles"]),
        // Results files: counts, predictions and provenance in HDF5 (docs/results-schema.md).
        .target(name: "ResultsFile", dependencies: ["Simulator", "HDF5Kit", "EnergyLedger", "CoreMapping", "HardwareProfiles", .product(name: "Crypto", package: "swift-crypto")]),
        // Hardware energy profiles: the profile format, the bundled YAML files and their loader.
        .target(name: "HardwareProfiles", dependencies: [.product(name: "Yams", package: "Yams")], resources: []),
        // Umbrella library re-exporting the parts.
        .target(name: "NeuroCost", dependencies: libraryParts),
        // The command-line tool, a thin layer over the library.
        //
        // On Linux it carries the Swift runtime and Foundation inside it (`-static-stdlib`): loading and binding
        // them as a dozen shared libraries took 5-6 ms of every start (the 2-sample `run`: 0.92x, paired;
        // Benchmarks/RESULTS.md, "Start-up, round 6"). These are the package's only unsafe flags, and they stay on
        // this executable: SwiftPM refuses unsafe flags in the products a dependent uses, checked per product over
        // its targets, so the `NeuroCost` and `HDF5Kit` libraries remain usable as dependencies. The objects are
        // compiled with the flag too, so that they name the static libraries Foundation needs (ICU, CoreFoundation).
        // lld links it: gold repeats a glibc link-time warning (`mktemp`) from inside the static Foundation.
        .executableTarget(
            name: "NeuroCostCLI",
            dependencies: ["NeuroCost", .product(name: "ArgumentParser", package: "swift-argument-parser")] + libraryParts,
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"], .when(platforms: [.linux]))]
        ),
        // A seeded mutation fuzzer over NIR, data and profile files, in-process and against the CLI (Fuzz/README.md).
        .executableTarget(
            name: "NeuroCostFuzz",
            dependencies: ["NeuroCost", .product(name: "ArgumentParser", package: "swift-argument-parser")] + libraryParts
        ),
        // LinkageTests checks the linking choice against what this machine has installed.
        .testTarget(name: "HDF5KitTests", dependencies: ["HDF5Kit"],
                    swiftSettings: linksDebianHDF5Archives ? [.define("HDF5_FROM_DEBIAN_ARCHIVES")] : []),
        .testTarget(name: "NeuroCostTests", dependencies: ["NeuroCost"] + libraryParts, resources: []),
    ],
    swiftLanguageModes: [.v6]
)
