internal import CHDF5

/// What an HDF5 path points to.
public enum HDF5ObjectKind: Sendable {
    /// A group (including a file's root group).
    case group
    /// A dataset.
    case dataset
    /// A named datatype or another object kind HDF5Kit does not model.
    case other
}

/// An HDF5 group: a container of named groups and datasets. `HDF5File` is the group `"/"` of a file.
///
/// Relative paths may be nested (`"a/b/c"`); paths starting with `"/"` are taken from the file root.
public class HDF5Group: HDF5Object {
    // MARK: - Navigation

    /// Names of the direct members (groups, datasets, other links), sorted by name as HDF5 lists them.
    public func memberNames() throws -> [String] {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context
        var info = H5G_info_t()
        try context.checkStatus(H5Gget_info(groupIdentifier, &info), "cannot list members")
        return try (0..<info.nlinks).map { index throws(HDF5Error) in
            let length = try context.checkCount(
                H5Lget_name_by_idx(groupIdentifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hid_t(H5P_DEFAULT)),
                "cannot read name of member \(index)")
            var name = [CChar](repeating: 0, count: length + 1)
            _ = try context.checkCount(
                H5Lget_name_by_idx(groupIdentifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, &name, name.count,
                                   hid_t(H5P_DEFAULT)),
                "cannot read name of member \(index)")
            return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// How the direct member `name` is linked, without following the link (so a dangling or cyclic soft link,
    /// or an external link to a file that is absent, is reported rather than resolved).
    public func linkKind(of name: String) throws -> HDF5LinkKind {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        // One lookup when the link is there (the common case); why it failed is asked only after a failure.
        if let kind = HDF5LinkKind(code: chdf5_link_kind(groupIdentifier, name)) { return kind }
        guard H5Lexists(groupIdentifier, name, hid_t(H5P_DEFAULT)) > 0 else { throw context.error("no such link") }
        guard let kind = HDF5LinkKind(code: chdf5_link_kind(groupIdentifier, name)) else {
            throw context.libraryError("cannot read link")
        }
        return kind
    }

    /// Creates a soft link `name` holding the path `target` (resolved when used; it may dangle).
    public func createSoftLink(_ name: String, to target: String) throws {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        try requireNewName(name, context: context)
        try context.checkStatus(H5Lcreate_soft(target, groupIdentifier, name, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)),
                                "cannot create soft link")
    }

    /// Creates a hard link `name` to the existing object at `target` (a second name for it).
    public func createHardLink(_ name: String, to target: String) throws {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        try requireNewName(name, context: context)
        try context.checkStatus(H5Lcreate_hard(groupIdentifier, target, groupIdentifier, name, hid_t(H5P_DEFAULT),
                                               hid_t(H5P_DEFAULT)), "cannot create hard link")
    }

    /// Creates an external link `name` to the object `objectPath` in the file `file`.
    public func createExternalLink(_ name: String, file: String, objectPath: String) throws {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        try requireNewName(name, context: context)
        try context.checkStatus(H5Lcreate_external(file, objectPath, groupIdentifier, name, hid_t(H5P_DEFAULT),
                                                   hid_t(H5P_DEFAULT)), "cannot create external link")
    }

    /// Removes the member `name` (the link; the object goes when no link is left).
    public func removeMember(_ name: String) throws {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        try context.checkStatus(H5Ldelete(groupIdentifier, name, hid_t(H5P_DEFAULT)), "cannot remove")
    }

    /// This group's identity in its file, to recognise a group reached twice (hard links can form cycles).
    public func identity() throws -> HDF5ObjectIdentity {
        let groupIdentifier = try handle.identifierForUse()
        var fileNumber: UInt = 0
        var bytes = [UInt8](repeating: 0, count: 16)
        try handle.context.checkStatus(Int32(chdf5_object_identity(groupIdentifier, &fileNumber, &bytes)),
                                       "cannot read object identity")
        return HDF5ObjectIdentity(fileNumber: fileNumber, bytes: bytes)
    }

    /// Whether `relativePath` leads to an object. Checks each level in turn, so `"a/b/c"` is simply `false`
    /// when `"a"` is missing or is a dataset. Never throws and never prints.
    public func exists(_ relativePath: String) -> Bool {
        guard let groupIdentifier = try? handle.identifierForUse() else { return false }
        if !relativePath.isEmpty, relativePath != ".", !relativePath.utf8.contains(UInt8(ascii: "/")) {
            // A direct member (the common case): the same two checks as below, without building prefixes.
            guard H5Lexists(groupIdentifier, relativePath, hid_t(H5P_DEFAULT)) > 0 else { return false }
            return H5Oexists_by_name(groupIdentifier, relativePath, hid_t(H5P_DEFAULT)) > 0
        }
        let isAbsolute = relativePath.hasPrefix("/")
        let components = relativePath.split(separator: "/").filter { $0 != "." }
        guard !components.isEmpty else { return isAbsolute || relativePath == "." }
        var prefix = isAbsolute ? "/" : ""
        for (index, component) in components.enumerated() {
            prefix += (index == 0 ? "" : "/") + component
            // H5Lexists needs every earlier level to exist, hence the level-by-level walk.
            guard H5Lexists(groupIdentifier, prefix, hid_t(H5P_DEFAULT)) > 0 else { return false }
        }
        // The link may still dangle (a soft link to nothing); make sure it resolves to an object.
        return H5Oexists_by_name(groupIdentifier, prefix, hid_t(H5P_DEFAULT)) > 0
    }

    /// What `relativePath` points to; throws if nothing is there.
    public func kind(of relativePath: String) throws -> HDF5ObjectKind {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(relativePath)
        let opened = try openExisting(relativePath, in: groupIdentifier, context: context, missing: "no such object",
                                      failure: "cannot open object")
        defer { _ = H5Oclose(opened) }
        return switch H5Iget_type(opened) {
        case H5I_GROUP, H5I_FILE: .group
        case H5I_DATASET: .dataset
        default: .other
        }
    }

    /// Opens the object at `relativePath` with `H5Oopen`, first without checking that it exists: an open that
    /// succeeds proves it does, and the existence checks (each a walk of the path) are made only after a failure,
    /// to say `missing` rather than libhdf5's explanation. Reading a network opens a few hundred objects.
    private func openExisting(_ relativePath: String, in groupIdentifier: hid_t, context: HDF5ObjectContext,
                              missing: String, failure: String) throws(HDF5Error) -> hid_t {
        if !relativePath.isEmpty {
            let opened = H5Oopen(groupIdentifier, relativePath, hid_t(H5P_DEFAULT))
            if opened >= 0 { return opened }
        }
        guard exists(relativePath) else { throw context.error(missing) }
        return try context.checkID(H5Oopen(groupIdentifier, relativePath, hid_t(H5P_DEFAULT)), failure)
    }

    /// Opens an existing group.
    public func openGroup(_ relativePath: String) throws -> HDF5Group {
        let context = handle.context.child(relativePath)
        let opened = try openObject(.group, at: relativePath, context: context)
        return HDF5Group(handle: HDF5Handle(adopting: opened, kind: .group, context: context))
    }

    /// Creates a new group; missing intermediate groups in a nested name (`"a/b"`) are created too.
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(name)
        try requireNewName(name, context: context)
        let created = try withLinkCreationPropertyList(context: context) { linkProperties in
            try context.checkID(
                H5Gcreate2(groupIdentifier, name, linkProperties, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)),
                "cannot create group")
        }
        return HDF5Group(handle: HDF5Handle(adopting: created, kind: .group, context: context))
    }

    /// Opens an existing dataset.
    public func openDataset(_ relativePath: String) throws -> HDF5Dataset {
        let context = handle.context.child(relativePath)
        let opened = try openObject(.dataset, at: relativePath, context: context)
        return HDF5Dataset(handle: HDF5Handle(adopting: opened, kind: .dataset, context: context))
    }

    /// Opens the object at `relativePath` if it is a dataset; nil when it is a group or another kind of object.
    /// Throws, as `kind(of:)` does, when nothing is there. One open, where `kind(of:)` and then `openDataset` took two.
    public func openDatasetIfDataset(_ relativePath: String) throws -> HDF5Dataset? {
        let groupIdentifier = try handle.identifierForUse()
        let context = handle.context.child(relativePath)
        let opened = try openExisting(relativePath, in: groupIdentifier, context: context, missing: "no such object",
                                      failure: "cannot open object")
        guard H5Iget_type(opened) == H5I_DATASET else {
            _ = H5Oclose(opened)
            return nil
        }
        return HDF5Dataset(handle: HDF5Handle(adopting: opened, kind: .dataset, context: context))
    }

    // MARK: - Creating datasets

    /// Creates a numeric dataset stored as little-endian `T`, filled with zeros.
    ///
    /// - Parameters:
    ///   - shape: current extent; `[]` makes a scalar.
    ///   - maxShape: growth limits; `nil` = same as `shape`, a `nil` entry = unlimited along that axis.
    ///   - chunks: chunk shape; chosen automatically (at most 1 MiB) when growth or compression needs chunks.
    ///   - deflateLevel: gzip level 0...9, or `nil` for no compression.
    ///   - shuffle: byte-shuffle filter before deflate (often shrinks numeric data further).
    public func createDataset<T: HDF5Numeric>(
        _ name: String,
        of type: T.Type,
        shape: [Int],
        maxShape: [Int?]? = nil,
        chunks: [Int]? = nil,
        deflateLevel: Int? = nil,
        shuffle: Bool = false
    ) throws -> HDF5Dataset {
        let context = handle.context.child(name)
        _ = try T.verifiedMemoryType(context)
        let options = try HDF5DatasetCreationOptions(
            shape: shape, maxShape: maxShape, chunks: chunks, deflateLevel: deflateLevel, shuffle: shuffle,
            elementByteCount: T.hdf5NumericKind.byteCount, context: context)
        return try makeDataset(name, datatype: T.hdf5NumericKind.fileType, options: options, context: context)
    }

    /// Creates and fills a numeric dataset in one step (rank 0 when `shape == []`).
    /// `values.count` must equal the product of `shape`.
    @discardableResult
    public func writeDataset<T: HDF5Numeric>(
        _ name: String,
        _ values: [T],
        shape: [Int],
        chunks: [Int]? = nil,
        deflateLevel: Int? = nil,
        shuffle: Bool = false
    ) throws -> HDF5Dataset {
        let context = handle.context.child(name)
        try requireValueCount(values.count, matches: shape, context: context)
        let dataset = try createDataset(name, of: T.self, shape: shape, chunks: chunks, deflateLevel: deflateLevel,
                                        shuffle: shuffle)
        try dataset.write(values)
        return dataset
    }

    /// Creates and fills a UTF-8 string dataset (`shape == []` for a single string).
    ///
    /// Variable-length by default, which h5py reads as `str`; fixed-length (NULL-padded to the longest value)
    /// when `variableLength` is false, which h5py reads as `bytes`.
    @discardableResult
    public func writeStringDataset(
        _ name: String,
        _ values: [String],
        shape: [Int],
        variableLength: Bool = true
    ) throws -> HDF5Dataset {
        let context = handle.context.child(name)
        try requireValueCount(values.count, matches: shape, context: context)
        let options = try HDF5DatasetCreationOptions(
            shape: shape, maxShape: nil, chunks: nil, deflateLevel: nil, shuffle: false, elementByteCount: 1,
            context: context)
        return try HDF5Strings.withDatatype(for: values, variableLength: variableLength, context: context) { datatype in
            let dataset = try makeDataset(name, datatype: datatype, options: options, context: context)
            let transfer = HDF5ElementTransfer(target: .dataset(try dataset.handle.identifierForUse()), context: context)
            try HDF5Strings.withEncodedBuffer(values, variableLength: variableLength) { buffer in
                try transfer.writeAll(memoryDatatype: datatype, from: buffer)
            }
            return dataset
        }
    }

    // MARK: - Helpers

    private func makeDataset(
        _ name: String,
        datatype: hid_t,
        options: HDF5DatasetCreationOptions,
        context: HDF5ObjectContext
    ) throws -> HDF5Dataset {
        let groupIdentifier = try handle.identifierForUse()
        try requireNewName(name, context: context)
        let created = try HDF5Dataspace.withNew(shape: options.shape, maxShape: options.maxShape, context: context) { dataspace in
            try options.withPropertyList(context: context) { creationProperties in
                try withLinkCreationPropertyList(context: context) { linkProperties in
                    try context.checkID(
                        H5Dcreate2(groupIdentifier, name, datatype, dataspace, linkProperties, creationProperties,
                                   hid_t(H5P_DEFAULT)),
                        "cannot create dataset")
                }
            }
        }
        return HDF5Dataset(handle: HDF5Handle(adopting: created, kind: .dataset, context: context))
    }

    /// Link creation properties that create missing intermediate groups, so nested names work in one call.
    private func withLinkCreationPropertyList<Result>(
        context: HDF5ObjectContext,
        _ body: (hid_t) throws -> Result
    ) throws -> Result {
        try withTemporaryIdentifier(H5Pcreate(chdf5_p_link_create()), kind: .propertyList, context: context,
                                    failure: "cannot create link property list") { linkProperties in
            try context.checkStatus(H5Pset_create_intermediate_group(linkProperties, 1),
                                    "cannot enable intermediate group creation")
            return try body(linkProperties)
        }
    }

    private func requireNewName(_ name: String, context: HDF5ObjectContext) throws(HDF5Error) {
        guard !name.split(separator: "/").filter({ $0 != "." }).isEmpty else {
            throw context.error("name \"\(name)\" is empty")
        }
        if exists(name) { throw context.error("already exists") }
    }

    /// Opens the object at `relativePath`, which must be a group or a dataset as `expected` says, with one open
    /// (see `openExisting`): the identifier `H5Oopen` gives is a group's or a dataset's own. (Checking the kind with
    /// an open of its own and then opening again made libhdf5 parse every object header twice, and walk its path
    /// twice more: a visible part of reading a network of a hundred datasets.)
    private func openObject(_ expected: HDF5ObjectKind, at relativePath: String, context: HDF5ObjectContext) throws -> hid_t {
        let groupIdentifier = try handle.identifierForUse()
        let noun = expected == .group ? "group" : "dataset"
        let opened = try openExisting(relativePath, in: groupIdentifier, context: context, missing: "no such \(noun)",
                                      failure: "cannot open \(noun)")
        let actual: HDF5ObjectKind
        switch H5Iget_type(opened) {
        case H5I_GROUP, H5I_FILE: actual = .group
        case H5I_DATASET: actual = .dataset
        default: actual = .other
        }
        if actual == expected { return opened }
        _ = H5Oclose(opened)
        switch actual {
        case .group: throw context.error("is a group, not a \(noun)")
        case .dataset: throw context.error("is a dataset, not a \(noun)")
        case .other: throw context.error("is not a \(noun)")
        }
    }

    private func requireValueCount(_ count: Int, matches shape: [Int], context: HDF5ObjectContext) throws(HDF5Error) {
        let expected = try HDF5Dataspace.elementCount(of: shape, context: context)
        guard count == expected else {
            throw context.error("\(count) values do not fill shape \(shape) (\(expected) elements)")
        }
    }
}
