import Foundation

/// Mutations of raw bytes: what a damaged download or a careless tool produces. On HDF5 files most end at the
/// signature check; the rest reach libhdf5's parsers of damaged headers, heaps and B-trees.
enum ByteMutator {
    static func mutate(_ bytes: inout [UInt8], random: inout FuzzRandom) -> String {
        guard !bytes.isEmpty else {
            bytes = [UInt8](repeating: 0xFF, count: 64)
            return "filled an empty file"
        }
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            let count = Int.random(in: 1...8, using: &random)
            for _ in 0..<count { bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8(1 << Int.random(in: 0..<8, using: &random)) }
            return "flipped \(count) bits"
        case 1:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let value = random.pick([UInt8(0), 0xFF, 0x7F, 0x80, 0x01])
            for offset in 0..<min(8, bytes.count - at) { bytes[at + offset] = value }
            return "overwrote 8 bytes at \(at) with \(value)"
        case 2:
            let length = Int.random(in: 0..<bytes.count, using: &random)
            bytes.removeSubrange(length...)
            return "truncated to \(length) bytes"
        case 3:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let length = min(Int.random(in: 1...256, using: &random), bytes.count - at)
            bytes.insert(contentsOf: bytes[at..<(at + length)], at: Int.random(in: 0...bytes.count, using: &random))
            return "duplicated \(length) bytes from \(at)"
        case 4:
            // A 64-bit little-endian size or address overwritten with an extreme value.
            let at = Int.random(in: 0..<bytes.count, using: &random) & ~7
            var value = UInt64(bitPattern: random.interestingInteger())
            for offset in 0..<min(8, bytes.count - at) {
                bytes[at + offset] = UInt8(value & 0xFF)
                value >>= 8
            }
            return "wrote an extreme 64-bit value at \(at)"
        default:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let length = min(Int.random(in: 1...64, using: &random), bytes.count - at)
            bytes.removeSubrange(at..<(at + length))
            return "deleted \(length) bytes at \(at)"
        }
    }
}
