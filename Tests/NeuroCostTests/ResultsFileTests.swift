import Foundation
import NeuroCost
import Testing

/// The results file against its documented schema, and runs against thread counts.
@Suite struct ResultsFileTests {
    static let network = RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-cnn-untrained-90.nir").path

    /// Writes `count` pseudo-random 1×8×8 samples in [0, 1) with labels, reproducibly.
    static func writeSamples(count: Int, to path: String) throws {
        var state: UInt64 = 0x1234_5678
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) * 0x1p-24
        }
        let file = try HDF5File(path: path, mode: .createNew)
        defer { file.close() }
        try file.writeDataset("images", (0..<(count * 64)).map { _ in next() }, shape: [count, 1, 8, 8])
        try file.writeDataset("labels", (0..<count).map { Int64($0 % 10) }, shape: [count])
    }

    private func plan(encoding: InputEncoding = .direct) throws -> SimulationPlan {
        let network = try NIRReader.read(path: Self.network).network
        return try SimulationPlan(network: network, options: SimulationOptions(timesteps: 6, encoding: encoding, seed: 11))
    }

    private func run(threads: Int, encoding: InputEncoding = .direct, data: String) throws -> RunResult {
        try SimulationRunner.run(plan: plan(encoding: encoding), dataset: SampleDataset(path: data), threads: threads, recordSteps: true)
    }

    @Test("what run writes has every documented path, dtype, shape and attribute")
    func matchesDocumentedSchema() throws {
        let folder = try Fixtures.scratchDirectory()
        let data = folder.appendingPathComponent("data.h5").path
        try Self.writeSamples(count: 30, to: data)
        let result = try run(threads: 2, data: data)
        let out = folder.appendingPathComponent("run.h5").path
        let profile = try ProfileLibrary.load("horowitz-45nm-fp32")
        let energy = try EnergyLedger.price(result, network: NIRReader.read(path: Self.network).network, profile: profile)
        let conventions = ConventionCounter.count(LayerCountTable(run: result), layout: try ConventionLayout(plan: plan(), layerNames: result.layerNames))
        let forms = try conventions.compactMap { try ConventionCounter.energy($0, profile: profile) }
        try RunResultsWriter.write(result, plan: plan(), provenance: RunProvenance(networkFile: Self.network, dataFile: data, neurocostVersion: "test"),
                                   to: out, overwrite: false, energy: [(energy, profile)], conventions: conventions, conventionEnergies: forms)

        let schemaData = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/results-schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let sizes = ["N": 30, "T": 6, "L": result.layerNames.count]
        let file = try HDF5File(path: out, mode: .readOnly)
        defer { file.close() }
        #expect(try file.stringAttribute("schema_version") == (schema["schema_version"] as? String))
        #expect(try file.stringAttribute("schema_version") == RunResultsWriter.schemaVersion)
        for (name, type) in try #require(schema["root_attributes"] as? [String: String]) {
            #expect(file.hasAttribute(name), "root attribute \(name)")
            if file.hasAttribute(name) { #expect(describe(try file.attributeElementType(name)) == type, "root attribute \(name) type") }
        }
        for (path, value) in try #require(schema["datasets"] as? [String: [String: Any]]) {
            guard file.exists(path) else { Issue.record("missing \(path)"); continue }
            let dataset = try file.openDataset(path)
            #expect(describe(try dataset.elementType) == (value["dtype"] as? String), "\(path) dtype")
            let shape = (value["shape"] as? [String] ?? []).map { sizes[$0]! }
            #expect(try dataset.shape == shape, "\(path) shape")
            for attribute in value["attributes"] as? [String] ?? [] {
                #expect(dataset.hasAttribute(attribute), "\(path) attribute \(attribute)")
            }
        }
        let energySpec = try #require(schema["energy_group"] as? [String: Any])
        let group = try file.openGroup("energy/horowitz-45nm-fp32")
        for attribute in energySpec["attributes"] as? [String] ?? [] {
            #expect(group.hasAttribute(attribute), "energy attribute \(attribute)")
        }
        let energySizes = ["L": result.layerNames.count, "C": EnergyComponent.allCases.count, "N": 30]
        for (name, value) in try #require(energySpec["datasets"] as? [String: [String: Any]]) {
            guard group.exists(name) else { Issue.record("missing energy dataset \(name)"); continue }
            let dataset = try group.openDataset(name)
            #expect(describe(try dataset.elementType) == (value["dtype"] as? String), "\(name) dtype")
            #expect(try dataset.shape == (value["shape"] as? [String] ?? []).map { energySizes[$0]! }, "\(name) shape")
        }
        #expect(try group.attribute("total_picojoules", as: Double.self) == [energy.totalPicojoules])
        // Every documented dimension scale is a scale of the documented length, beside the datasets it names.
        let scaleSizes = ["N": 30, "T": 6, "L": result.layerNames.count, "C": EnergyComponent.allCases.count]
        for (group, scales) in try #require(schema["dimension_scales"] as? [String: Any]) {
            guard let scales = scales as? [String: String] else { continue }
            let path = group.replacingOccurrences(of: "<profile>", with: "horowitz-45nm-fp32").replacingOccurrences(of: "<name>", with: "neurobench")
            for (name, size) in scales {
                let scale = try file.openDataset("\(path)/\(name)")
                #expect(try scale.isDimensionScale, "\(path)/\(name)")
                #expect(try scale.shape == [scaleSizes[size]!], "\(path)/\(name) length")
            }
        }
        #expect(try file.openDataset("counts/layer").readStrings() == result.layerNames)
        #expect(try file.openDataset("counts/per_sample/sample").read(as: Int64.self) == (0..<30).map { Int64($0) })
        #expect(try file.openDataset("results/steps_simulated").read(as: Int64.self) == (1...6).map { Int64($0) })
        #expect(try !file.openDataset("counts/synops").isDimensionScale)
        // The network's hash is the file's.
        #expect(try file.stringAttribute("network_sha256") == RunProvenance.sha256(ofFile: Self.network))
        // Stored counts equal the run's.
        let synops = try file.openDataset("counts/synops").read(as: Int64.self).map { Int($0) }
        #expect(synops == result.counts.perStep[.synops]!)
    }

    @Test("a file's SHA-256 is the standard digest, across read blocks; a missing file is an error naming it")
    func fileDigest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Reference digests from Python's hashlib: "abc" (FIPS 180-2's example) and 700,000 patterned bytes, which
        // span three of the reader's blocks.
        let short = directory.appendingPathComponent("abc").path
        try Data("abc".utf8).write(to: URL(fileURLWithPath: short))
        #expect(try RunProvenance.sha256(ofFile: short) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = directory.appendingPathComponent("long").path
        try Data((0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: long))
        #expect(try RunProvenance.sha256(ofFile: long) == "197a4b8cfa34448cf33ba7fee7de00165ec9adec705de4ef5980a8a489c3c52a")
        let missing = directory.appendingPathComponent("missing.nir").path
        #expect {
            try RunProvenance.sha256(ofFile: missing)
        } throws: { error in
            (error as? CocoaError)?.code == .fileReadNoSuchFile && "\(error)".contains("missing.nir")
        }
    }

    @Test("a dimension scale attaches only to an axis of its own length")
    func dimensionScaleLengthIsChecked() throws {
        let path = try Fixtures.scratchDirectory().appendingPathComponent("scales.h5").path
        let file = try HDF5File(path: path, mode: .createNew)
        defer { file.close() }
        let data = try file.writeDataset("data", [Int64](repeating: 1, count: 6), shape: [2, 3])
        let rows = try file.writeDataset("row", [Int64(10), 11], shape: [2])
        try rows.makeDimensionScale(named: "row")
        try data.attachDimensionScale(rows, toAxis: 0)
        #expect(try rows.isDimensionScale)
        #expect(throws: HDF5Error.self) { try data.attachDimensionScale(rows, toAxis: 1) }
        #expect(throws: HDF5Error.self) { try data.attachDimensionScale(rows, toAxis: 2) }
        #expect(throws: HDF5Error.self) { try data.makeDimensionScale(named: "two-dimensional") }
    }

    /// Every attribute of two files, with its type (class, size, sign, compound members, vlen base) and its value,
    /// object references compared by the path they name; prints the differences.
    static let attributeCompareScript = """
        import sys, h5py, numpy as np
        a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
        def kind(t):
            d = [t.get_class(), t.get_size()]
            if t.get_class() == h5py.h5t.INTEGER: d += [t.get_sign(), t.get_order()]
            if t.get_class() == h5py.h5t.COMPOUND:
                d += [(t.get_member_name(i), t.get_member_offset(i), kind(t.get_member_type(i))) for i in range(t.get_nmembers())]
            if t.get_class() == h5py.h5t.VLEN: d += [kind(t.get_super())]
            return d
        def plain(f, v):
            if isinstance(v, h5py.Reference): return f[v].name if v else None
            if isinstance(v, np.void): return tuple(plain(f, x) for x in v)
            if isinstance(v, np.ndarray) and (v.dtype.kind == "O" or v.dtype.names): return [plain(f, x) for x in v]
            if isinstance(v, np.ndarray): return v.tolist()
            return v
        def attributes(f, name):
            x = f[name]
            return {k: (kind(x.attrs.get_id(k).get_type()), x.attrs.get_id(k).shape, plain(f, x.attrs[k])) for k in x.attrs}
        names, other = [], []
        a.visit(names.append)
        b.visit(other.append)
        differences = [] if sorted(names) == sorted(other) else ["object names differ"]
        for name in names:
            if name in b and attributes(a, name) != attributes(b, name):
                differences.append(f"{name}: {attributes(a, name)} != {attributes(b, name)}")
        print("\\n".join(differences) if differences else "identical")
        sys.exit(1 if differences else 0)
        """

    /// Writes datasets and scales, attaching them with `attach` (`batched`: one call for all; otherwise one scale at
    /// a time), after attaching `row` to `early` first when `oneAttachedBefore`.
    private static func writeScaledFile(_ path: String, batched: Bool, oneAttachedBefore: Bool) throws {
        let file = try HDF5File(path: path, mode: .createNew)
        defer { file.close() }
        let row = try file.writeDataset("row", [Int64(10), 11], shape: [2])
        let column = try file.writeStringDataset("column", ["a", "b", "c"], shape: [3])
        try row.makeDimensionScale(named: "row")
        try column.makeDimensionScale(named: "column")
        if oneAttachedBefore {
            try file.writeDataset("early", [Int64(1), 2], shape: [2]).attachDimensionScale(row, toAxis: 0)
        }
        let attachments: [(dataset: HDF5Dataset, scales: [HDF5Dataset])] = [
            (try file.writeDataset("matrix", [Int64](repeating: 1, count: 6), shape: [2, 3]), [row, column]),
            (try file.writeDataset("columns", [Double](repeating: 0.5, count: 3), shape: [3]), [column]),
            (try file.writeDataset("rows", [Int64(5), 6], shape: [2]), [row]),
            (try file.writeDataset("transposed", [Int64](repeating: 2, count: 6), shape: [3, 2]), [column, row]),
        ]
        if batched {
            try HDF5Dataset.attachDimensionScales(attachments)
        } else {
            for (dataset, scales) in attachments {
                for (axis, scale) in scales.enumerated() { try dataset.attachDimensionScale(scale, toAxis: axis) }
            }
        }
    }

    @Test("scales attached in one batch leave the attributes libhdf5_hl leaves attaching them one by one",
          arguments: [false, true])
    func batchedDimensionScalesMatchOneByOne(oneAttachedBefore: Bool) throws {
        let folder = try Fixtures.scratchDirectory()
        let single = folder.appendingPathComponent("single.h5").path
        let batch = folder.appendingPathComponent("batch.h5").path
        try Self.writeScaledFile(single, batched: false, oneAttachedBefore: oneAttachedBefore)
        try Self.writeScaledFile(batch, batched: true, oneAttachedBefore: oneAttachedBefore)
        let comparison = try ProcessRunner.run("python3", ["-c", Self.attributeCompareScript, single, batch])
        #expect(comparison.status == 0, "\(comparison.standardOutput)\(comparison.standardError)")
        // A scale too short for its axis is refused before anything is written.
        let file = try HDF5File(path: folder.appendingPathComponent("short.h5").path, mode: .createNew)
        defer { file.close() }
        let data = try file.writeDataset("data", [Int64](repeating: 1, count: 6), shape: [2, 3])
        let rows = try file.writeDataset("row", [Int64(10), 11], shape: [2])
        try rows.makeDimensionScale(named: "row")
        #expect(throws: HDF5Error.self) { try HDF5Dataset.attachDimensionScales([(data, [rows, rows])]) }
        #expect(throws: HDF5Error.self) { try HDF5Dataset.attachDimensionScales([(data, [rows])]) }
        #expect(!data.hasAttribute("DIMENSION_LIST"))
        #expect(!rows.hasAttribute("REFERENCE_LIST"))
    }

    @Test("the same samples give identical results on 1 and 2 threads", arguments: [InputEncoding.direct, .poisson])
    func threadCountDoesNotChangeResults(encoding: InputEncoding) throws {
        let data = try Fixtures.scratchDirectory().appendingPathComponent("data.h5").path
        try Self.writeSamples(count: 40, to: data)
        let one = try run(threads: 1, encoding: encoding, data: data)
        let two = try run(threads: 2, encoding: encoding, data: data)
        #expect(one.counts == two.counts)
        #expect(one.predictionsByStep == two.predictionsByStep)
        #expect(one.counts.total(.spikes) > 0)
    }

    @Test("per-step and per-sample tables are two sums of the same counts")
    func tablesAgree() throws {
        let data = try Fixtures.scratchDirectory().appendingPathComponent("data.h5").path
        try Self.writeSamples(count: 12, to: data)
        let result = try run(threads: 2, data: data)
        for metric in CountMetric.allCases {
            #expect(result.counts.perStep[metric]!.reduce(0, +) == result.counts.perSample[metric]!.reduce(0, +), "\(metric)")
            #expect(result.counts.perSampleStep![metric]!.reduce(0, +) == result.counts.perSample[metric]!.reduce(0, +), "\(metric)")
        }
    }

    private func describe(_ type: HDF5ElementType) -> String {
        switch type {
        case .string: return "string"
        case .signedInteger(let bytes): return "int\(bytes * 8)"
        case .unsignedInteger(let bytes): return "uint\(bytes * 8)"
        case .float(let bytes): return "float\(bytes * 8)"
        case .enumeration: return "enum"
        case .other(let name): return name
        }
    }
}
