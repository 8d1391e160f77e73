internal import CHDF5

/// HDF5 dimension scales: a one-dimensional dataset marked as the coordinate of a named dimension, attached to
/// an axis of other datasets. netCDF-4 readers (h5netcdf, xarray, netCDF4-python) read them as named dimensions
/// with coordinates; without them every axis is an anonymous `phony_dim_N`.
///
/// Written with libhdf5's high-level H5DS library (libhdf5_hl), which keeps the back references (`REFERENCE_LIST`)
/// that netCDF-4 readers expect consistent with each dataset's `DIMENSION_LIST`.
extension HDF5Dataset {
    /// Marks this one-dimensional dataset as the scale of the dimension `name` (attributes `CLASS` and `NAME`).
    public func makeDimensionScale(named name: String) throws {
        let identifier = try handle.identifierForUse()
        let context = handle.context
        guard try shape.count == 1 else { throw context.error("a dimension scale must be one-dimensional (shape \(try shape))") }
        try HDF5Library.serialized {
            try context.checkStatus(H5DSset_scale(identifier, name), "cannot make a dimension scale named \"\(name)\"")
        }
    }

    /// Whether this dataset is a dimension scale (a coordinate rather than data).
    public var isDimensionScale: Bool {
        get throws {
            let identifier = try handle.identifierForUse()
            let context = handle.context
            return try HDF5Library.serialized { try context.checkTruth(H5DSis_scale(identifier), "cannot tell whether it is a dimension scale") }
        }
    }

    /// Attaches `scale` (a dimension scale in the same file) to `axis` of this dataset; its length must equal the
    /// axis' extent.
    public func attachDimensionScale(_ scale: HDF5Dataset, toAxis axis: Int) throws {
        let identifier = try handle.identifierForUse()
        let scaleIdentifier = try scale.handle.identifierForUse()
        let context = handle.context
        try checkScale(scale, shape: try scale.shape, fitsAxis: axis, of: try shape)
        try HDF5Library.serialized {
            try context.checkStatus(H5DSattach_scale(identifier, scaleIdentifier, UInt32(axis)),
                                    "cannot attach dimension scale \(scale.path) to axis \(axis)")
        }
    }

    /// Attaches, in order, the scales `attachments[i].scales` to the axes of `attachments[i].dataset` (one scale
    /// per axis, each as long as its axis), leaving the same attributes as `attachDimensionScale` called for each
    /// dataset and axis in that order. When none of the datasets has scales yet, none is itself a scale and every
    /// scale is marked as one and attached nowhere yet, each dataset's `DIMENSION_LIST` and each scale's
    /// `REFERENCE_LIST` are written once (libhdf5_hl rereads and rewrites a scale's whole list at every attach);
    /// otherwise the scales are attached one by one. Scales are told apart by `HDF5Dataset` value: pass one value per
    /// scale (two values opening the same scale would have its `REFERENCE_LIST` written twice, which fails).
    public static func attachDimensionScales(_ attachments: [(dataset: HDF5Dataset, scales: [HDF5Dataset])]) throws {
        // Each scale once, in first-use order: its shape for the checks, and whether it is attached anywhere yet.
        var uniqueScales: [HDF5Dataset] = []
        var scaleShapes: [ObjectIdentifier: [Int]] = [:]
        for (_, scales) in attachments {
            for scale in scales where scaleShapes[ObjectIdentifier(scale)] == nil {
                scaleShapes[ObjectIdentifier(scale)] = try scale.shape
                uniqueScales.append(scale)
            }
        }
        for (dataset, scales) in attachments {
            let extents = try dataset.shape
            guard scales.count == extents.count else {
                throw dataset.handle.context.error("cannot attach \(scales.count) dimension scales to a dataset with \(extents.count) axes")
            }
            for (axis, scale) in scales.enumerated() {
                try dataset.checkScale(scale, shape: scaleShapes[ObjectIdentifier(scale)]!, fitsAxis: axis, of: extents)
            }
        }
        let fresh = try uniqueScales.allSatisfy { try $0.isDimensionScale && !$0.hasAttributeChecked("REFERENCE_LIST") }
            && attachments.allSatisfy { dataset, _ in
                try !dataset.hasAttributeChecked("DIMENSION_LIST") && !dataset.hasAttributeChecked("CLASS")
            }
        guard fresh else {
            for (dataset, scales) in attachments {
                for (axis, scale) in scales.enumerated() { try dataset.attachDimensionScale(scale, toAxis: axis) }
            }
            return
        }
        // Each scale's back references, in attach order.
        var references: [(scale: HDF5Dataset, datasets: [hid_t], axes: [Int32])] = []
        var referenceIndex: [ObjectIdentifier: Int] = [:]
        for (dataset, scales) in attachments {
            let identifier = try dataset.handle.identifierForUse()
            let scaleIdentifiers = try scales.map { try $0.handle.identifierForUse() }
            try HDF5Library.serialized {
                try dataset.handle.context.checkStatus(chdf5_write_dimension_list(identifier, Int32(scales.count), scaleIdentifiers),
                                                       "cannot attach dimension scales \(scales.map(\.path))")
            }
            for (axis, scale) in scales.enumerated() {
                let index = referenceIndex[ObjectIdentifier(scale)] ?? references.count
                if index == references.count {
                    referenceIndex[ObjectIdentifier(scale)] = index
                    references.append((scale, [], []))
                }
                references[index].datasets.append(identifier)
                references[index].axes.append(Int32(axis))
            }
        }
        for (scale, datasets, axes) in references {
            let identifier = try scale.handle.identifierForUse()
            try HDF5Library.serialized {
                try scale.handle.context.checkStatus(chdf5_write_reference_list(identifier, datasets.count, datasets, axes),
                                                     "cannot record the datasets dimension scale \(scale.path) is attached to")
            }
        }
    }

    /// Throws unless `scale` (of shape `scaleShape`) is one-dimensional with the extent of `axis` in `extents`
    /// (this dataset's shape).
    private func checkScale(_ scale: HDF5Dataset, shape scaleShape: [Int], fitsAxis axis: Int, of extents: [Int]) throws {
        let context = handle.context
        guard extents.indices.contains(axis) else {
            throw context.error("cannot attach dimension scale \(scale.path) to axis \(axis): the dataset has \(extents.count) axes")
        }
        guard scaleShape == [extents[axis]] else {
            throw context.error("cannot attach dimension scale \(scale.path) (shape \(scaleShape)) to axis \(axis) of extent \(extents[axis])")
        }
    }

    /// Whether the attribute `name` exists, failing when libhdf5 cannot tell.
    private func hasAttributeChecked(_ name: String) throws -> Bool {
        let identifier = try handle.identifierForUse()
        return try HDF5Library.serialized {
            try handle.context.checkTruth(H5Aexists(identifier, name), "cannot check for attribute \(name)")
        }
    }
}
