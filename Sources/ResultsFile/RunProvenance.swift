import Crypto
import Foundation

/// Where a run's inputs came from, recorded on the results file's root.
public struct RunProvenance: Sendable {
    public let networkFile: String
    /// SHA-256 of the network file's bytes, hex.
    public let networkSHA256: String
    public let dataFile: String
    public let neurocostVersion: String

    public init(networkFile: String, dataFile: String, neurocostVersion: String) throws {
        self.networkFile = networkFile
        self.dataFile = dataFile
        self.neurocostVersion = neurocostVersion
        networkSHA256 = try Self.sha256(ofFile: networkFile)
    }

    /// Provenance with the network file's SHA-256 already computed (`sha256(ofFile:)`), for a caller that hashes
    /// the file while it does other work.
    public init(networkFile: String, networkSHA256: String, dataFile: String, neurocostVersion: String) {
        self.networkFile = networkFile
        self.networkSHA256 = networkSHA256
        self.dataFile = dataFile
        self.neurocostVersion = neurocostVersion
    }

    /// Hex SHA-256 of a file, read in blocks.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update(data: block)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
