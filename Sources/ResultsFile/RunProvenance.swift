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

    /// Hex SHA-256 of a file, read in blocks into one buffer: a fresh buffer per block (as `FileHandle.read`
    /// returns) faulted its pages in anew each time, which on start-up cost about as much as the hashing.
    public static func sha256(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.readError(errno, path) }
        defer { close(descriptor) }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 64)
        defer { block.deallocate() }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, block.baseAddress, block.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.readError(errno, path)
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: block[..<count]))
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static func readError(_ code: Int32, _ path: String) -> CocoaError {
        let kind: CocoaError.Code = switch code {
        case ENOENT, ENOTDIR: .fileReadNoSuchFile
        case EACCES, EPERM: .fileReadNoPermission
        default: .fileReadUnknown
        }
        return CocoaError(kind, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)])
    }
}
