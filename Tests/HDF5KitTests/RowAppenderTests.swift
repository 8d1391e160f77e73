import HDF5Kit
import Testing

/// `HDF5RowAppender`: rows appended a whole chunk at a time by direct chunk writes read back exactly as appended,
/// across chunk boundaries and flushes, and datasets it cannot append to are refused with the reason.
@Suite("Row appender (direct chunk writes)")
struct RowAppenderTests {
    @Test("pieces across chunk boundaries, flushed in between, read back in order; the extent follows each flush")
    func piecesAcrossChunksAndFlushes() throws {
        try withTemporaryHDF5Path { path in
            var expected: [UInt16] = []
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                let dataset = try file.createDataset("neuron", of: UInt16.self, shape: [0], maxShape: [nil], chunks: [1000])
                let appender = try HDF5RowAppender<UInt16>(dataset)
                // Sizes that end inside a chunk, fill one exactly, span several, and add nothing.
                for (index, size) in [0, 7, 993, 1000, 2500, 1, 0, 3499].enumerated() {
                    let piece = (0..<size).map { UInt16(truncatingIfNeeded: $0 &* 31 &+ index) }
                    try piece.withUnsafeBufferPointer { try appender.append($0) }
                    expected += piece
                    #expect(appender.rows == expected.count)
                    if index % 2 == 1 {
                        try appender.flush()
                        try file.flush()
                        #expect(try dataset.shape == [expected.count], "after flush \(index)")
                        #expect(try dataset.read(as: UInt16.self) == expected, "after flush \(index)")
                    }
                }
                try appender.flush()
            }
            let reopened = try HDF5File(path: path, mode: .readOnly).openDataset("neuron")
            #expect(try reopened.shape == [expected.count])
            #expect(try reopened.read(as: UInt16.self) == expected)
        }
    }

    @Test("rows of several axes, filled span by span through the closure, one span per chunk")
    func multiAxisRowsThroughFill() throws {
        try withTemporaryHDF5Path { path in
            let rowSize = 2 * 3
            let rows = 10
            let values = (0..<(rows * rowSize)).map { UInt8(truncatingIfNeeded: $0 &* 5) }
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                let dataset = try file.createDataset("bits", of: UInt8.self, shape: [0, 2, 3], maxShape: [nil, 2, 3],
                                                     chunks: [4, 2, 3])
                let appender = try HDF5RowAppender<UInt8>(dataset)
                var spans: [Range<Int>] = []
                try appender.append(count: values.count) { span, offset in
                    spans.append(offset..<(offset + span.count))
                    for index in span.indices { span[index] = values[offset + index] }
                }
                #expect(spans == [0..<24, 24..<48, 48..<60], "one span per chunk")
                try appender.flush()
            }
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("bits")
            #expect(try dataset.shape == [rows, 2, 3])
            #expect(try dataset.read(as: UInt8.self) == values)
        }
    }

    @Test("refuses datasets it cannot write whole chunks of, naming why; a flush inside a row is refused")
    func refusals() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let filtered = try file.createDataset("deflated", of: UInt16.self, shape: [0], maxShape: [nil], chunks: [64],
                                                  deflateLevel: 1)
            do {
                _ = try HDF5RowAppender<UInt16>(filtered)
                Issue.record("a deflated dataset was taken")
            } catch {
                #expect("\(error)".contains("filters"), "\(error)")
            }
            let wide = try file.createDataset("wide", of: UInt32.self, shape: [0], maxShape: [nil], chunks: [64])
            do {
                _ = try HDF5RowAppender<UInt16>(wide)
                Issue.record("a UInt32 dataset took UInt16 values")
            } catch {
                #expect("\(error)".contains("UInt16"), "\(error)")
            }
            let split = try file.createDataset("split", of: UInt8.self, shape: [0, 8], maxShape: [nil, 8], chunks: [4, 4])
            do {
                _ = try HDF5RowAppender<UInt8>(split)
                Issue.record("chunks that split rows were taken")
            } catch {
                #expect("\(error)".contains("span"), "\(error)")
            }
            let fixed = try file.createDataset("fixed", of: UInt8.self, shape: [8], maxShape: [8], chunks: [4])
            #expect(throws: HDF5Error.self) { try HDF5RowAppender<UInt8>(fixed) }
            let rows = try file.createDataset("rows", of: UInt8.self, shape: [0, 3], maxShape: [nil, 3], chunks: [4, 3])
            let appender = try HDF5RowAppender<UInt8>(rows)
            try [UInt8](repeating: 1, count: 4).withUnsafeBufferPointer { try appender.append($0) }
            do {
                try appender.flush()
                Issue.record("a flush inside a row was taken")
            } catch {
                #expect("\(error)".contains("unfinished row"), "\(error)")
            }
        }
    }
}
