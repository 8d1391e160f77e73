import Foundation
import HDF5Kit
import Testing

/// Files exchanged with h5py in both directions. Needs python3 with h5py and numpy; without them these tests fail.
@Suite("h5py interoperability")
struct InteroperabilityTests {
    /// h5py writes the kinds of objects NIR files contain; HDF5Kit must read all of them.
    static let h5pyWriterScript = #"""
    import sys
    import h5py
    import numpy as np

    with h5py.File(sys.argv[1], "w") as f:
        f.attrs["vlen_text"] = "Grüße from h5py ✓"
        f.attrs["fixed_bytes"] = np.bytes_(b"fixed-ascii")
        f.attrs["fixed_utf8"] = np.bytes_("ünï".encode("utf-8"))
        f.attrs["shorts"] = np.array([1, -2, 3], dtype=np.int16)
        f.attrs["ratio"] = 2.5
        f.attrs["flag"] = np.bool_(True)
        f.attrs["text_list"] = ["α", "β"]

        # Fixed-length strings with the two paddings h5py does not produce by itself.
        for name, padding, value in [(b"spacepad", h5py.h5t.STR_SPACEPAD, b"pad"),
                                     (b"nullterm", h5py.h5t.STR_NULLTERM, b"term")]:
            string_type = h5py.h5t.C_S1.copy()
            string_type.set_size(8)
            string_type.set_strpad(padding)
            attribute = h5py.h5a.create(f.id, name, string_type, h5py.h5s.create(h5py.h5s.SCALAR))
            attribute.write(np.array(value, dtype="S8"))

        run = f.create_group("run0")
        rates = (np.arange(12, dtype=np.float32) / 4).reshape(3, 4)
        run.create_dataset("rates", data=rates, compression="gzip", compression_opts=4, chunks=(2, 2))
        events = run.create_dataset("events", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(4,))
        for block in ([5, 4, 3], [2, 1]):
            start = events.shape[0]
            events.resize((start + len(block),))
            events[start:] = block
        run.create_dataset("mask", data=np.array([True, False, True, True]))
        names = np.array([["α", "b"], ["", "Grüße"], ["x y", "日本"]], dtype=object)
        run.create_dataset("names", data=names, dtype=h5py.string_dtype())
        run.create_dataset("fixed_names", data=np.array([b"ab", b"abcd", b""], dtype="S4"))
        run["names"].attrs["unit"] = "mV"
        f.create_group("run1")
        f.create_dataset("scalar_text", data="einzeln", dtype=h5py.string_dtype())
    """#

    @Test func readsFileWrittenByH5py() throws {
        try withTemporaryHDF5Path { path in
            _ = try PythonRunner.run(script: Self.h5pyWriterScript, arguments: [path])
            let file = try HDF5File(path: path, mode: .readOnly)

            #expect(try file.memberNames() == ["run0", "run1", "scalar_text"])
            #expect(try file.stringAttribute("vlen_text") == "Grüße from h5py ✓")
            #expect(try file.attributeElementType("vlen_text") == .string(variableLength: true))
            #expect(try file.stringAttribute("fixed_bytes") == "fixed-ascii")
            #expect(try file.attributeElementType("fixed_bytes") == .string(variableLength: false))
            #expect(try file.stringAttribute("fixed_utf8") == "ünï")
            #expect(try file.stringAttribute("spacepad") == "pad")
            #expect(try file.stringAttribute("nullterm") == "term")
            #expect(try file.attribute("shorts", as: Int16.self) == [1, -2, 3])
            #expect(try file.attribute("shorts", as: Double.self) == [1, -2, 3])
            #expect(try file.attribute("ratio", as: Double.self) == [2.5])
            #expect(try file.attribute("flag", as: UInt8.self) == [1], "h5py bools are enums; read via base integers")
            #expect(try file.stringArrayAttribute("text_list") == ["α", "β"])

            let run = try file.openGroup("run0")
            #expect(try run.memberNames() == ["events", "fixed_names", "mask", "names", "rates"])

            let rates = try run.openDataset("rates")
            #expect(try rates.shape == [3, 4])
            #expect(try rates.elementType == .float(bytes: 4))
            #expect(try rates.chunkShape == [2, 2])
            #expect(try rates.filterNames == ["deflate"])
            #expect(try rates.read(as: Float.self) == (0..<12).map { Float($0) / 4 })

            let events = try run.openDataset("events")
            #expect(try events.shape == [5])
            #expect(try events.maxShape == [nil])
            #expect(try events.read(as: Int64.self) == [5, 4, 3, 2, 1])

            let mask = try run.openDataset("mask")
            #expect(try mask.elementType == .enumeration(baseBytes: 1))
            #expect(try mask.read(as: UInt8.self) == [1, 0, 1, 1])
            #expect(try mask.read(as: Double.self) == [1, 0, 1, 1])
            expectHDF5Error { _ = try mask.readStrings() }

            let names = try run.openDataset("names")
            #expect(try names.shape == [3, 2])
            #expect(try names.elementType == .string(variableLength: true))
            #expect(try names.readStrings() == ["α", "b", "", "Grüße", "x y", "日本"])
            #expect(try names.stringAttribute("unit") == "mV")

            let fixedNames = try run.openDataset("fixed_names")
            #expect(try fixedNames.elementType == .string(variableLength: false))
            #expect(try fixedNames.readStrings() == ["ab", "abcd", ""])

            #expect(try file.openDataset("scalar_text").shape == [])
            #expect(try file.openDataset("scalar_text").readStrings() == ["einzeln"])
        }
    }

    /// Checks, in h5py, everything `writeFileForH5py` stored.
    static let h5pyVerifierScript = #"""
    import sys
    import h5py
    import numpy as np

    with h5py.File(sys.argv[1], "r") as f:
        assert isinstance(f.attrs["title"], str), type(f.attrs["title"])
        assert f.attrs["title"] == "NeuroCost – µ-ünïcode", f.attrs["title"]
        assert isinstance(f.attrs["code"], np.bytes_), type(f.attrs["code"])
        assert f.attrs["code"].decode("utf-8") == "fixed-ascii"
        assert isinstance(f.attrs["version"], np.int64) and f.attrs["version"] == 3, repr(f.attrs["version"])
        assert f.attrs["scale"].dtype == np.float64 and f.attrs["scale"].tolist() == [0.5, 1.5]
        assert [str(s) for s in f.attrs["labels"]] == ["α", "β", "γ"], f.attrs["labels"]
        assert all(isinstance(s, str) for s in f.attrs["labels"])

        weights = f["net/weights"]
        assert weights.dtype == np.float32 and weights.shape == (30, 20), (weights.dtype, weights.shape)
        assert weights.compression == "gzip" and weights.compression_opts == 4, weights.compression
        assert weights.shuffle and weights.chunks == (8, 8), (weights.shuffle, weights.chunks)
        expected = (np.arange(600, dtype=np.float32) / np.float32(8)).reshape(30, 20)
        assert np.array_equal(weights[...], expected)
        assert weights.attrs["unit"] == "nS"

        stream = f["net/stream"]
        assert stream.dtype == np.int32 and stream.maxshape == (None,), (stream.dtype, stream.maxshape)
        assert stream.shape == (2500,) and stream.compression == "gzip", (stream.shape, stream.compression)
        assert np.array_equal(stream[...], np.arange(2500, dtype=np.int32) * 3)

        ids = f["ids"]
        assert ids.dtype == np.uint64 and ids[...].tolist() == [0, 1, 2**64 - 1]
        scalar = f["scalar"]
        assert scalar.shape == () and scalar.dtype == np.int8 and scalar[()] == -5
        cube = f["cube"]
        assert cube.shape == (2, 3, 4) and cube.dtype == np.int16
        assert np.array_equal(cube[...], np.arange(24, dtype=np.int16).reshape(2, 3, 4))

        labels = f["labels"]
        info = h5py.check_string_dtype(labels.dtype)
        assert info is not None and info.length is None and info.encoding == "utf-8", info
        assert labels.shape == (2, 2)
        assert labels.asstr()[...].tolist() == [["Grüße", ""], ["日本", "x"]]
        fixed = f["fixed_labels"]
        info = h5py.check_string_dtype(fixed.dtype)
        assert info is not None and info.length == 5, info
        assert fixed[...].tolist() == [b"ab", b"abcde"]
    print("h5py verification OK")
    """#

    @Test func h5pyReadsFileWrittenBySwift() throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .createNew)
                try file.setAttribute("title", string: "NeuroCost – µ-ünïcode")
                try file.setAttribute("code", string: "fixed-ascii", variableLength: false)
                try file.setAttribute("version", Int64(3))
                try file.setAttribute("scale", [0.5, 1.5])
                try file.setAttribute("labels", strings: ["α", "β", "γ"])

                let net = try file.createGroup("net")
                let weights = try net.writeDataset("weights", (0..<600).map { Float($0) / 8 }, shape: [30, 20],
                                                   chunks: [8, 8], deflateLevel: 4, shuffle: true)
                try weights.setAttribute("unit", string: "nS")
                let stream = try net.createDataset("stream", of: Int32.self, shape: [0], maxShape: [nil],
                                                   chunks: [512], deflateLevel: 1)
                for block in stride(from: 0, to: 2500, by: 700) {
                    try stream.append((block..<min(block + 700, 2500)).map { Int32($0 * 3) })
                }

                try file.writeDataset("ids", [0, 1, UInt64.max], shape: [3])
                try file.writeDataset("scalar", [Int8(-5)], shape: [])
                try file.writeDataset("cube", (0..<24).map { Int16($0) }, shape: [2, 3, 4])
                try file.writeStringDataset("labels", ["Grüße", "", "日本", "x"], shape: [2, 2])
                try file.writeStringDataset("fixed_labels", ["ab", "abcde"], shape: [2], variableLength: false)
            }
            // All handles are released at the end of the scope above, so h5py can open (and lock) the file.
            let output = try PythonRunner.run(script: Self.h5pyVerifierScript, arguments: [path])
            #expect(output.contains("h5py verification OK"))
        }
    }
}
