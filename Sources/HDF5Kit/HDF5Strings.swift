internal import CHDF5

/// UTF-8 string datatypes and the conversion between Swift strings and libhdf5 string buffers.
enum HDF5Strings {
    /// Runs `body` with a UTF-8 string datatype able to hold `values`.
    ///
    /// Variable-length strings are what h5py reads as `str`; fixed-length ones are NULL-padded to the longest
    /// value (at least one byte, as HDF5 forbids size 0), which h5py reads as `bytes`.
    static func withDatatype<Result>(
        for values: [String],
        variableLength: Bool,
        context: HDF5ObjectContext,
        _ body: (hid_t) throws -> Result
    ) throws -> Result {
        try withTemporaryIdentifier(H5Tcopy(chdf5_t_c_s1()), kind: .datatype, context: context,
                                    failure: "cannot create string type") { datatype in
            try context.checkStatus(H5Tset_cset(datatype, H5T_CSET_UTF8), "cannot set UTF-8 character set")
            if variableLength {
                try context.checkStatus(H5Tset_size(datatype, chdf5_t_variable()), "cannot make string variable-length")
            } else {
                let longest = values.map(\.utf8.count).max() ?? 0
                try context.checkStatus(H5Tset_size(datatype, max(1, longest)), "cannot set string size")
                try context.checkStatus(H5Tset_strpad(datatype, H5T_STR_NULLPAD), "cannot set string padding")
            }
            return try body(datatype)
        }
    }

    /// Runs `body` with the memory buffer libhdf5 expects for `values` in the matching datatype:
    /// an array of C string pointers (variable length) or `count * size` padded bytes (fixed length).
    /// Does nothing for an empty array, as there is nothing to transfer.
    ///
    /// Swift strings cannot carry their terminating NUL through libhdf5, so a string containing U+0000 is cut there.
    static func withEncodedBuffer(
        _ values: [String],
        variableLength: Bool,
        _ body: (UnsafeRawPointer) throws -> Void
    ) rethrows {
        guard !values.isEmpty else { return }
        if variableLength {
            // One contiguous NUL-separated storage keeps every C string alive for the duration of the call.
            var storage: [CChar] = []
            var offsets: [Int] = []
            storage.reserveCapacity(values.reduce(0) { $0 + $1.utf8.count + 1 })
            for value in values {
                offsets.append(storage.count)
                storage.append(contentsOf: value.utf8.map { CChar(bitPattern: $0) })
                storage.append(0)
            }
            try storage.withUnsafeBufferPointer { characters in
                guard let start = characters.baseAddress else { return }
                let pointers: [UnsafePointer<CChar>?] = offsets.map { start + $0 }
                try pointers.withUnsafeBytes { pointerBytes in
                    if let buffer = pointerBytes.baseAddress { try body(buffer) }
                }
            }
            return
        }
        let size = max(1, values.map(\.utf8.count).max() ?? 0)
        var bytes = [UInt8](repeating: 0, count: values.count * size)
        for (index, value) in values.enumerated() {
            bytes.replaceSubrange(index * size ..< index * size + value.utf8.count, with: value.utf8)
        }
        try bytes.withUnsafeBytes { encoded in
            if let buffer = encoded.baseAddress { try body(buffer) }
        }
    }

    /// Reads `count` strings of `fileDatatype` (vlen or fixed, any padding, ASCII or UTF-8) through `read`,
    /// which transfers the whole object into the given buffer using the given memory datatype.
    static func read(
        count: Int,
        fileDatatype: hid_t,
        context: HDF5ObjectContext,
        using read: (_ memoryDatatype: hid_t, _ buffer: UnsafeMutableRawPointer) throws -> Void
    ) throws -> [String] {
        guard count > 0 else { return [] }
        let isVariable = try context.checkTruth(H5Tis_variable_str(fileDatatype), "cannot inspect string type")
        if isVariable {
            return try readVariableLength(count: count, fileDatatype: fileDatatype, context: context, using: read)
        }
        return try readFixedLength(count: count, fileDatatype: fileDatatype, context: context, using: read)
    }

    private static func readVariableLength(
        count: Int,
        fileDatatype: hid_t,
        context: HDF5ObjectContext,
        using read: (hid_t, UnsafeMutableRawPointer) throws -> Void
    ) throws -> [String] {
        try withTemporaryIdentifier(H5Tcopy(chdf5_t_c_s1()), kind: .datatype, context: context,
                                    failure: "cannot create string type") { memoryDatatype in
            try context.checkStatus(H5Tset_size(memoryDatatype, chdf5_t_variable()), "cannot make string variable-length")
            try context.checkStatus(H5Tset_cset(memoryDatatype, H5Tget_cset(fileDatatype)), "cannot set character set")
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try pointers.withUnsafeMutableBytes { buffer in
                if let destination = buffer.baseAddress { try read(memoryDatatype, destination) }
            }
            defer { reclaim(&pointers, memoryDatatype: memoryDatatype) }
            // libhdf5 may hand back NULL for empty strings written by other tools.
            return pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
        }
    }

    /// Frees the strings libhdf5 allocated during a variable-length read.
    private static func reclaim(_ pointers: inout [UnsafeMutablePointer<CChar>?], memoryDatatype: hid_t) {
        var count = hsize_t(pointers.count)
        let dataspace = H5Screate_simple(1, &count, nil)
        guard dataspace >= 0 else { return }
        defer { _ = H5Sclose(dataspace) }
        // Failure here would only leak memory; there is nothing better to do than continue.
        _ = pointers.withUnsafeMutableBytes {
            H5Dvlen_reclaim(memoryDatatype, dataspace, hid_t(H5P_DEFAULT), $0.baseAddress)
        }
    }

    private static func readFixedLength(
        count: Int,
        fileDatatype: hid_t,
        context: HDF5ObjectContext,
        using read: (hid_t, UnsafeMutableRawPointer) throws -> Void
    ) throws -> [String] {
        let size = H5Tget_size(fileDatatype)
        guard size > 0 else { throw context.libraryError("cannot read string size") }
        let padding = H5Tget_strpad(fileDatatype)
        // Reading with a copy of the file type transfers the bytes unchanged; decoding happens here.
        return try withTemporaryIdentifier(H5Tcopy(fileDatatype), kind: .datatype, context: context,
                                           failure: "cannot copy string type") { memoryDatatype in
            var bytes = [UInt8](repeating: 0, count: count * size)
            try bytes.withUnsafeMutableBytes { buffer in
                if let destination = buffer.baseAddress { try read(memoryDatatype, destination) }
            }
            return (0..<count).map { index in
                decodeFixed(bytes[index * size ..< (index + 1) * size], spacePadded: padding == H5T_STR_SPACEPAD)
            }
        }
    }

    /// Decodes one fixed-length element: text ends at the first NUL (NULLTERM and NULLPAD), and SPACEPAD
    /// strings lose their trailing padding spaces. NULLPAD strings that fill their size have no NUL at all.
    private static func decodeFixed(_ element: ArraySlice<UInt8>, spacePadded: Bool) -> String {
        var text = element.prefix { $0 != 0 }
        if spacePadded {
            while text.last == UInt8(ascii: " ") { text = text.dropLast() }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
