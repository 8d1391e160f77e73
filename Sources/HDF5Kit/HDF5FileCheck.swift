/// Walks a whole file through libhdf5 the way a reader would, to find damage that makes libhdf5 crash.
///
/// libhdf5 1.10 trusts sizes and addresses in a file's metadata (symbol tables, B-trees, local and global heaps,
/// object headers), so some damage crashes it in any process. A reader that must survive such files runs this in
/// a child process first: every group, hard link, attribute and dataset is opened, every attribute and string
/// read, every chunk index walked (`HDF5Dataset.checkReadable`), and any other dataset read through libhdf5 up
/// to a byte budget. Compressed chunk bytes are not inflated: HDF5Kit's own decoder and zlib bound their output.
///
/// Soft, external and user-defined links are not followed (no reader of this project follows them), an object
/// reached twice is visited once (hard links can form cycles), and nesting deeper than `maxDepth` stops the walk
/// with an error, as does anything libhdf5 reports as an error.
public enum HDF5FileCheck {
    /// Nesting deeper than this is refused (readers refuse far shallower files; the walk only must end).
    public static let maxDepth = 64

    /// Walks the file at `path`; `maxValueBytes` bounds what is read of each dataset not walked by its index.
    public static func walk(path: String, maxValueBytes: Int) throws {
        let file = try HDF5File(path: path, mode: .readOnly)
        defer { file.close() }
        var visited: Set<HDF5ObjectIdentity> = []
        try visit(file, depth: 0, visited: &visited, maxValueBytes: maxValueBytes)
    }

    private static func visit(_ group: HDF5Group, depth: Int, visited: inout Set<HDF5ObjectIdentity>,
                              maxValueBytes: Int) throws {
        guard depth <= maxDepth else { throw HDF5Error(file: group.filePath, objectPath: group.path,
                                                       message: "nested deeper than \(maxDepth) groups") }
        guard visited.insert(try group.identity()).inserted else { return }
        try readAttributes(of: group)
        for name in try group.memberNames() {
            guard try group.linkKind(of: name) == .hard else { continue }
            switch try group.kind(of: name) {
            case .group:
                let child = try group.openGroup(name)
                defer { child.close() }
                try visit(child, depth: depth + 1, visited: &visited, maxValueBytes: maxValueBytes)
            case .dataset:
                let dataset = try group.openDataset(name)
                defer { dataset.close() }
                try readAttributes(of: dataset)
                try dataset.checkReadable(maxValueBytes: maxValueBytes)
            case .other:
                continue
            }
        }
    }

    /// Attribute headers are parsed on open; string values live in heaps, so those are read too.
    private static func readAttributes(of object: HDF5Object) throws {
        for name in try object.attributeNames() {
            if case .string = try object.attributeElementType(name) {
                _ = try object.stringArrayAttribute(name)
            }
        }
    }
}
