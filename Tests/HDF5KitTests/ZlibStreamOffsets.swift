import Foundation

/// Offsets of zlib stream headers (0x78 0x5e/0x9c/0x01/0xda, the pair a multiple of 31) in `bytes`, in file order:
/// where the tests damage a chunk's compressed stream without touching the file's structure.
func zlibStreamOffsets(in bytes: Data) -> [Int] {
    var offsets: [Int] = []
    let array = [UInt8](bytes)
    for index in 0..<(array.count - 1) where array[index] == 0x78 {
        let header = UInt16(array[index]) << 8 | UInt16(array[index + 1])
        if header % 31 == 0, [0x01, 0x5e, 0x9c, 0xda].contains(array[index + 1]) { offsets.append(index) }
    }
    return offsets
}
