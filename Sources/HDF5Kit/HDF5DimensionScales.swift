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
        let extents = try shape
        guard extents.indices.contains(axis) else {
            throw context.error("cannot attach dimension scale \(scale.path) to axis \(axis): the dataset has \(extents.count) axes")
        }
        let scaleShape = try scale.shape
        guard scaleShape == [extents[axis]] else {
            throw context.error("cannot attach dimension scale \(scale.path) (shape \(scaleShape)) to axis \(axis) of extent \(extents[axis])")
        }
        try HDF5Library.serialized {
            try context.checkStatus(H5DSattach_scale(identifier, scaleIdentifier, UInt32(axis)),
                                    "cannot attach dimension scale \(scale.path) to axis \(axis)")
        }
    }
}
