import CHDF5
import Testing

/// The sparse inflater (Sources/CHDF5/sparse_inflate.h) decodes a mostly-zero zlib stream without writing its zeros.
/// zlib is the reference: every stream zlib writes, at every level and strategy, must decode to zlib's bytes with
/// exactly the non-zero words marked; a damaged stream must be refused or decode to what zlib decodes; and the buffer
/// must hold zeros again after `chdf5_si_clear` either way.
@Suite("Sparse inflater")
struct SparseInflaterTests {
    /// Deterministic pseudo-random numbers (a 64-bit LCG), so that a failure can be rerun.
    struct Numbers {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// `count` bytes of elements of `elementSize` bytes, each non-zero with probability `density`; some of them
    /// negative zeros, some drawn from few byte values (so that deflate finds matches that carry non-zero bytes).
    static func sparseBytes(_ count: Int, elementSize: Int, density: Double, numbers: inout Numbers) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var element = 0
        while element + elementSize <= count {
            if Double(numbers.next(1_000_000)) < density * 1_000_000 {
                if numbers.next(4) == 0 {
                    bytes[element + elementSize - 1] = 0x80
                } else {
                    let narrow = numbers.next(3) == 0
                    for byte in 0..<elementSize { bytes[element + byte] = UInt8(numbers.next(narrow ? 4 : 256)) }
                }
            }
            element += elementSize
        }
        return bytes
    }

    static func compress(_ bytes: [UInt8], level: Int32, strategy: Int32, memoryLevel: Int32) -> [UInt8] {
        var stream = z_stream()
        var output = [UInt8](repeating: 0, count: bytes.count + bytes.count / 100 + 1024)
        let initialised = deflateInit2_(&stream, level, Z_DEFLATED, 15, memoryLevel, strategy, zlibVersion(),
                                        Int32(MemoryLayout<z_stream>.size))
        #expect(initialised == Z_OK)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        #expect(status == Z_STREAM_END)
        let written = Int(stream.total_out)
        deflateEnd(&stream)
        return Array(output[..<written])
    }

    /// zlib's own decode of `stream` into exactly `size` bytes, or nil when zlib refuses it.
    static func zlibDecode(_ stream: [UInt8], size: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: size + 1)
        var produced = uLongf(size + 1)
        let status = output.withUnsafeMutableBufferPointer { target in
            stream.withUnsafeBufferPointer { source in
                uncompress(target.baseAddress, &produced, source.baseAddress, uLong(source.count))
            }
        }
        return status == Z_OK && Int(produced) == size ? Array(output[..<size]) : nil
    }

    /// A zeroed output buffer of `capacity` bytes (whole words) and its marks, as the sparse decode keeps one.
    final class Output {
        let words: UnsafeMutablePointer<UInt64>
        let marks: UnsafeMutablePointer<UInt64>
        let wordCount: Int
        let markCount: Int

        init(capacity: Int) {
            wordCount = (capacity + 7) / 8
            markCount = (wordCount + 63) / 64 + 1
            words = .allocate(capacity: wordCount)
            words.initialize(repeating: 0, count: wordCount)
            marks = .allocate(capacity: markCount)
            marks.initialize(repeating: 0, count: markCount)
        }

        deinit {
            words.deallocate()
            marks.deallocate()
        }

        /// Inflates `stream` into `size` bytes; the bytes when it was taken and its checksum matched, else nil. Checks
        /// that exactly the non-zero words are marked, then clears the buffer and checks it holds zeros again.
        func inflate(_ stream: [UInt8], size: Int) -> [UInt8]? {
            var output = chdf5_si_output(bytes: UnsafeMutableRawPointer(words).assumingMemoryBound(to: UInt8.self),
                                         dirty: marks, size: size, position: 0)
            let status = stream.withUnsafeBufferPointer { chdf5_si_inflate($0.baseAddress, $0.count, &output) }
            for word in 0..<((size + 7) / 8) {
                let marked = marks[word / 64] >> UInt64(word % 64) & 1 == 1
                #expect(marked == (words[word] != 0), "word \(word): marked \(marked), value \(words[word])")
            }
            let bytes = status == 0 ? Array(UnsafeBufferPointer(start: output.bytes, count: size)) : nil
            chdf5_si_clear(&output)
            #expect((0..<wordCount).allSatisfy { words[$0] == 0 }, "the buffer holds zeros after clearing")
            #expect((0..<markCount).allSatisfy { marks[$0] == 0 }, "no mark is left after clearing")
            return bytes
        }
    }

    @Test("every zlib level and strategy decodes to zlib's bytes", arguments: [Int32(0), 1, 6, 9])
    func decodesWhatZlibWrites(level: Int32) {
        var numbers = Numbers(state: UInt64(level) + 17)
        let output = Output(capacity: 1 << 18)
        let strategies = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED]
        for density in [0.0, 0.001, 0.01, 0.1, 0.5, 1.0] {
            for strategy in strategies {
                let elementSize = numbers.next(2) == 0 ? 4 : 8
                let size = 1 + numbers.next(1 << 18)
                let bytes = Self.sparseBytes(size, elementSize: elementSize, density: density, numbers: &numbers)
                let stream = Self.compress(bytes, level: level, strategy: strategy,
                                           memoryLevel: Int32(1 + numbers.next(9)))
                let decoded = output.inflate(stream, size: size)
                #expect(decoded == bytes, "level \(level), strategy \(strategy), density \(density), \(size) bytes")
            }
        }
    }

    @Test("a damaged or truncated stream is refused or decodes as zlib decodes it")
    func damagedStreams() {
        var numbers = Numbers(state: 2026)
        let output = Output(capacity: 1 << 15)
        var taken = 0, refused = 0
        for trial in 0..<3000 {
            let size = 1024 + numbers.next((1 << 15) - 1024)
            let bytes = Self.sparseBytes(size, elementSize: 4, density: 0.01, numbers: &numbers)
            var stream = Self.compress(bytes, level: Int32(1 + trial % 9), strategy: Z_DEFAULT_STRATEGY, memoryLevel: 8)
            switch trial % 3 {
            case 0: stream[numbers.next(stream.count)] ^= UInt8(1 << numbers.next(8))
            case 1: stream.removeLast(1 + numbers.next(stream.count - 1))
            default: stream[numbers.next(stream.count)] = UInt8(numbers.next(256))
            }
            // One size in ten is off by one: the stream must fill the buffer exactly.
            let expected = trial % 10 == 0 ? size + (trial % 20 == 0 ? 1 : -1) : size
            if let decoded = output.inflate(stream, size: expected) {
                taken += 1
                #expect(decoded == Self.zlibDecode(stream, size: expected), "trial \(trial)")
            } else {
                refused += 1
            }
        }
        #expect(refused > 2500, "most damaged streams fail the checksum or a code check (\(taken) taken)")
    }
}
