internal import CHDF5

/// Grows a chunked, unfiltered dataset along axis 0 a whole chunk at a time, by libhdf5's direct chunk write.
///
/// The chunk being filled lives in the appender's own buffer, so values are copied once on their way to the file.
/// `HDF5Dataset.append` goes through libhdf5's chunk cache instead, which copies them again, zero-fills every new
/// chunk, and writes a partly filled chunk out at every flush, to be written again once it fills (tracing 1,024
/// samples of a VGG-16 wrote 2.4 times the file's size that way).
///
/// The dataset's chunks must span every axis but the first, its element type must be `Element` exactly (a direct
/// write stores bytes as they are), and nothing else may write it while the appender does.
public final class HDF5RowAppender<Element: HDF5Numeric> {
    private let dataset: HDF5Dataset
    private let context: HDF5ObjectContext
    /// The dataset's shape after axis 0 (each row's shape).
    private let rowShape: [Int]
    /// Elements per row, and rows per chunk.
    private let rowSize: Int
    private let chunkRows: Int
    /// The chunk being filled: `filled` elements so far, starting at row `chunkStart`.
    private let chunk: UnsafeMutableBufferPointer<Element>
    private var filled = 0
    private var chunkStart: Int
    /// Rows the dataset's extent holds (what a reader sees once the file is flushed).
    private var extentRows: Int

    /// Starts appending to `dataset`, which must hold a whole number of chunks already (usually none).
    public init(_ dataset: HDF5Dataset) throws {
        self.dataset = dataset
        context = dataset.handle.context
        let (shape, maxShape) = (try dataset.shape, try dataset.maxShape)
        guard let length = shape.first, maxShape.first == .some(nil) else {
            throw context.error("cannot append rows: the dataset is not growable along axis 0 (maxShape \(maxShape))")
        }
        guard let chunkShape = try dataset.chunkShape, Array(chunkShape.dropFirst()) == Array(shape.dropFirst()),
              let rows = chunkShape.first, rows > 0 else {
            throw context.error("cannot append whole chunks: chunks \(String(describing: try dataset.chunkShape)) "
                + "do not span every axis after the first of shape \(shape)")
        }
        guard try dataset.filterNames.isEmpty else {
            throw context.error("cannot append whole chunks: the dataset has filters \(try dataset.filterNames)")
        }
        let memoryType = try Element.verifiedMemoryType(context)
        let identifier = try dataset.handle.identifierForUse()
        let sameType = try withTemporaryIdentifier(H5Dget_type(identifier), kind: .datatype, context: context,
                                                   failure: "cannot read element type") { H5Tequal($0, memoryType) > 0 }
        guard sameType else {
            throw context.error("cannot append \(Element.self) values by direct chunk writes: the dataset stores \(try dataset.elementType)")
        }
        guard length % rows == 0 else {
            throw context.error("cannot append whole chunks: the dataset's \(length) rows end inside a chunk of \(rows)")
        }
        rowShape = Array(shape.dropFirst())
        rowSize = rowShape.reduce(1, *)
        guard rowSize > 0 else { throw context.error("cannot append rows of shape \(rowShape): they hold no elements") }
        chunkRows = rows
        chunk = .allocate(capacity: rows * rowSize)
        UnsafeMutableRawBufferPointer(chunk).initializeMemory(as: UInt8.self, repeating: 0)
        chunkStart = length
        extentRows = length
    }

    deinit { chunk.deallocate() }

    /// Rows appended so far, the dataset's own included.
    public var rows: Int { chunkStart + filled / rowSize }

    /// Appends `count` elements (a whole number of rows once a call to `flush` comes), which `fill` writes:
    /// it is called with successive spans of the chunk being filled and each span's offset within the `count`.
    /// A chunk that fills is written to the file at once.
    public func append(count: Int, _ fill: (_ span: UnsafeMutableBufferPointer<Element>, _ offset: Int) -> Void) throws {
        precondition(count >= 0, "a negative count")
        var offset = 0
        while offset < count {
            let span = min(count - offset, chunk.count - filled)
            fill(UnsafeMutableBufferPointer(rebasing: chunk[filled..<(filled + span)]), offset)
            filled += span
            offset += span
            if filled == chunk.count {
                try writeChunk()
                chunkStart += chunkRows
                filled = 0
            }
        }
    }

    /// Appends `values` (see `append(count:_:)`).
    public func append(_ values: UnsafeBufferPointer<Element>) throws {
        try append(count: values.count) { span, offset in
            _ = span.initialize(fromContentsOf: UnsafeBufferPointer(rebasing: values[offset..<(offset + span.count)]))
        }
    }

    /// Makes the file hold every row appended: extends the dataset to them and writes the chunk being filled as it
    /// stands (written again once it fills). Call it before flushing or closing the file.
    public func flush() throws {
        guard filled % rowSize == 0 else {
            throw context.error("cannot write \(filled % rowSize) elements of an unfinished row (rows of \(rowSize))")
        }
        if filled > 0 {
            // Past the rows, the chunk's bytes are zeros rather than whatever the buffer held before.
            UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(chunk)[(filled * MemoryLayout<Element>.stride)...])
                .initializeMemory(as: UInt8.self, repeating: 0)
            try writeChunk()
        }
        try extend(to: rows)
    }

    /// Writes the chunk being filled, whole, at its place (extending the dataset over it first).
    private func writeChunk() throws {
        try extend(to: max(extentRows, chunkStart + (filled + rowSize - 1) / rowSize))
        let identifier = try dataset.handle.identifierForUse()
        let offset = [hsize_t(chunkStart)] + rowShape.map { _ in hsize_t(0) }
        let status = H5Dwrite_chunk(identifier, hid_t(H5P_DEFAULT), 0, offset, chunk.count * MemoryLayout<Element>.stride,
                                    UnsafeRawPointer(chunk.baseAddress!))
        try context.checkStatus(status, "cannot write the chunk at row \(chunkStart)")
    }

    private func extend(to newRows: Int) throws {
        guard newRows != extentRows else { return }
        let identifier = try dataset.handle.identifierForUse()
        let dimensions = ([newRows] + rowShape).map { hsize_t($0) }
        try context.checkStatus(H5Dset_extent(identifier, dimensions), "cannot extend the dataset to \(newRows) rows")
        extentRows = newRows
    }
}
