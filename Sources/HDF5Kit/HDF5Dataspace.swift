internal import CHDF5

/// Creation and inspection of dataspaces (the shape of a dataset or attribute).
enum HDF5Dataspace {
    /// The number of elements of `shape` (1 for the scalar shape `[]`), or an error for negative or overflowing shapes.
    static func elementCount(of shape: [Int], context: HDF5ObjectContext) throws(HDF5Error) -> Int {
        var product = 1
        for extent in shape {
            guard extent >= 0 else { throw context.error("shape \(shape) has a negative extent") }
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw context.error("shape \(shape) has too many elements") }
            product = next
        }
        return product
    }

    /// Runs `body` with a new dataspace: scalar for `shape == []`, otherwise simple with optional maximum extents
    /// (`nil` entries in `maxShape` are unlimited).
    static func withNew<Result>(
        shape: [Int],
        maxShape: [Int?]? = nil,
        context: HDF5ObjectContext,
        _ body: (hid_t) throws -> Result
    ) throws -> Result {
        if shape.isEmpty {
            return try withTemporaryIdentifier(H5Screate(H5S_SCALAR), kind: .dataspace, context: context,
                                               failure: "cannot create scalar dataspace", body)
        }
        let dimensions = shape.map { hsize_t($0) }
        let identifier: hid_t
        if let maxShape {
            let maximumDimensions = maxShape.map { $0.map { hsize_t($0) } ?? chdf5_s_unlimited() }
            identifier = H5Screate_simple(Int32(shape.count), dimensions, maximumDimensions)
        } else {
            identifier = H5Screate_simple(Int32(shape.count), dimensions, nil)
        }
        return try withTemporaryIdentifier(identifier, kind: .dataspace, context: context,
                                           failure: "cannot create dataspace of shape \(shape)", body)
    }

    /// Current and maximum extents of a dataspace (`[]` for scalar and null dataspaces; `nil` = unlimited).
    static func extents(of dataspace: hid_t, context: HDF5ObjectContext) throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        let rank = try context.checkCount(H5Sget_simple_extent_ndims(dataspace), "cannot read rank")
        guard rank > 0 else { return ([], []) }
        var dimensions = [hsize_t](repeating: 0, count: rank)
        var maximumDimensions = [hsize_t](repeating: 0, count: rank)
        _ = try context.checkCount(H5Sget_simple_extent_dims(dataspace, &dimensions, &maximumDimensions),
                                   "cannot read dimensions")
        let unlimited = chdf5_s_unlimited()
        // A damaged file can declare extents past Int.max; they are errors, not traps.
        var shape: [Int] = []
        var maxShape: [Int?] = []
        for (current, maximum) in zip(dimensions, maximumDimensions) {
            guard let extent = Int(exactly: current) else { throw context.error("damaged file: extent \(current) is out of range") }
            shape.append(extent)
            if maximum == unlimited {
                maxShape.append(nil)
            } else {
                guard let limit = Int(exactly: maximum) else { throw context.error("damaged file: maximum extent \(maximum) is out of range") }
                maxShape.append(limit)
            }
        }
        return (shape, maxShape)
    }

    /// Number of elements in a dataspace (0 for a null dataspace, 1 for a scalar one).
    static func elementCount(of dataspace: hid_t, context: HDF5ObjectContext) throws(HDF5Error) -> Int {
        try context.checkCount(H5Sget_simple_extent_npoints(dataspace), "cannot count elements")
    }
}
