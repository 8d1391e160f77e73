internal import CHDF5

/// Validated storage options for a new dataset (shape, growth limits, chunking, compression), and the
/// dataset creation property list libhdf5 needs for them.
struct HDF5DatasetCreationOptions {
    /// Upper bound for automatically chosen chunks: libhdf5's default chunk cache holds 1 MiB per dataset.
    static let automaticChunkByteLimit = 1 << 20
    /// Automatic chunk length along an unlimited axis, so appends of single rows do not create tiny chunks.
    static let automaticUnlimitedAxisChunkLength = 1024

    let shape: [Int]
    let maxShape: [Int?]
    /// `nil` means contiguous storage.
    let chunks: [Int]?
    let deflateLevel: Int?
    let shuffle: Bool

    /// Checks the combination before anything is created, so mistakes give clear errors instead of library ones.
    /// Chunks are chosen automatically when growth or compression needs them but none were given.
    init(
        shape: [Int],
        maxShape requestedMaxShape: [Int?]?,
        chunks requestedChunks: [Int]?,
        deflateLevel: Int?,
        shuffle: Bool,
        elementByteCount: Int,
        context: HDF5ObjectContext
    ) throws(HDF5Error) {
        _ = try HDF5Dataspace.elementCount(of: shape, context: context)
        let maxShape = requestedMaxShape ?? shape.map { Optional($0) }
        guard maxShape.count == shape.count else {
            throw context.error("maxShape \(Self.describe(maxShape)) has rank \(maxShape.count), shape \(shape) has rank \(shape.count)")
        }
        for (extent, maximum) in zip(shape, maxShape) {
            if let maximum, maximum < extent {
                throw context.error("maxShape \(Self.describe(maxShape)) is smaller than shape \(shape)")
            }
        }
        if let deflateLevel {
            guard (0...9).contains(deflateLevel) else {
                throw context.error("deflate level \(deflateLevel) is outside 0...9")
            }
            guard H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 else {
                throw context.error("this libhdf5 was built without deflate (gzip) support")
            }
        }
        let canGrow = zip(shape, maxShape).contains { extent, maximum in maximum != extent }
        let needsChunks = requestedChunks != nil || deflateLevel != nil || shuffle || canGrow
        if shape.isEmpty && needsChunks {
            throw context.error("a scalar dataset cannot be chunked, compressed or resized")
        }

        var chunks: [Int]?
        if let requestedChunks {
            guard requestedChunks.count == shape.count else {
                throw context.error("chunks \(requestedChunks) have rank \(requestedChunks.count), shape \(shape) has rank \(shape.count)")
            }
            guard requestedChunks.allSatisfy({ $0 > 0 }) else {
                throw context.error("chunks \(requestedChunks) must all be positive")
            }
            for (chunk, maximum) in zip(requestedChunks, maxShape) {
                if let maximum, chunk > maximum {
                    throw context.error("chunks \(requestedChunks) exceed the fixed maxShape \(Self.describe(maxShape))")
                }
            }
            chunks = requestedChunks
        } else if needsChunks {
            chunks = try Self.automaticChunks(shape: shape, maxShape: maxShape, elementByteCount: elementByteCount,
                                              context: context)
        }

        self.shape = shape
        self.maxShape = maxShape
        self.chunks = chunks
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
    }

    /// Runs `body` with a dataset creation property list carrying the layout and filters.
    func withPropertyList<Result>(context: HDF5ObjectContext, _ body: (hid_t) throws -> Result) throws -> Result {
        try withTemporaryIdentifier(H5Pcreate(chdf5_p_dataset_create()), kind: .propertyList, context: context,
                                    failure: "cannot create dataset property list") { propertyList in
            if let chunks {
                let chunkDimensions = chunks.map { hsize_t($0) }
                try context.checkStatus(H5Pset_chunk(propertyList, Int32(chunks.count), chunkDimensions),
                                        "cannot use chunks \(chunks)")
            }
            // Shuffle must run before deflate: it regroups bytes so that deflate finds longer runs.
            if shuffle {
                try context.checkStatus(H5Pset_shuffle(propertyList), "cannot enable shuffle filter")
            }
            if let deflateLevel {
                try context.checkStatus(H5Pset_deflate(propertyList, UInt32(deflateLevel)), "cannot enable deflate filter")
            }
            return try body(propertyList)
        }
    }

    /// A chunk shape covering the current extent (at least `automaticUnlimitedAxisChunkLength` along unlimited
    /// axes), halved along its longest axis until it fits `automaticChunkByteLimit`.
    static func automaticChunks(shape: [Int], maxShape: [Int?], elementByteCount: Int,
                                context: HDF5ObjectContext) throws(HDF5Error) -> [Int] {
        var chunks = zip(shape, maxShape).map { extent, maximum in
            maximum == nil ? max(extent, automaticUnlimitedAxisChunkLength) : max(extent, 1)
        }
        for (chunk, maximum) in zip(chunks, maxShape) {
            if let maximum, chunk > maximum {
                throw context.error("cannot chunk an axis of fixed size 0 (maxShape \(describe(maxShape))); make it unlimited")
            }
        }
        func byteCount(_ chunks: [Int]) -> Double {
            chunks.reduce(Double(elementByteCount)) { $0 * Double($1) }
        }
        while byteCount(chunks) > Double(automaticChunkByteLimit),
              let longestAxis = chunks.indices.max(by: { chunks[$0] < chunks[$1] }), chunks[longestAxis] > 1 {
            chunks[longestAxis] = (chunks[longestAxis] + 1) / 2
        }
        return chunks
    }

    /// `[3, nil]` style text for a max shape (`nil` = unlimited).
    static func describe(_ maxShape: [Int?]) -> String {
        "[" + maxShape.map { $0.map(String.init) ?? "nil" }.joined(separator: ", ") + "]"
    }
}
