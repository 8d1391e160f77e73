import Foundation
import NeuroCost
import Testing

/// Hardware energy profiles: the bundled files, the loader's checks, and `neurocost profiles`.
@Suite struct HardwareProfileTests {
    static let required = ["horowitz-45nm-fp32", "horowitz-45nm-fp16", "horowitz-45nm-int8", "loihi", "loihi-presilicon", "truenorth",
                           "spinnaker", "spinnaker2", "keras-spiking-cpu", "keras-spiking-gpu", "keras-spiking-arm"]

    /// A small valid digital profile that the error tests break one piece at a time.
    static let digital = """
        schema: neurocost-profile/1
        name: test-digital
        description: "A test profile."
        kind: digital
        technology: {process_nm: 45, supply_v: 0.9}
        precision: {weights: fp32, activations: fp32, state: fp32}
        energy:
          mac: {pJ: 4.6, scope: marginal, evidence: derived (PRI), source: "test"}
          add: {pJ: 0.9, scope: marginal, evidence: estimated, source: "test", note: "a note"}
        memory:
          levels:
            - {name: small, capacity_bytes: 8192, access_bits: 64, read: {pJ: 10, scope: marginal, source: "test"}}
            - {name: large, capacity_bytes: 32768, access_bits: 64, read: {pJ: 20, scope: marginal, source: "test"}, write: {pJ: 25, scope: marginal, source: "test"}}
          dram: {name: dram, access_bits: 64, read: {pJ: 1300, scope: marginal, source: "test"}}
        sources: ["test"]
        """

    /// A small valid neuromorphic profile.
    static let neuromorphic = """
        schema: neurocost-profile/1
        name: test-chip
        description: "A test chip."
        kind: neuromorphic
        precision: {weights: int8, activations: int1, state: int24}
        energy:
          synop: {pJ: 20, scope: marginal, evidence: simulated (SEC), source: "test"}
          router_hop_ew: {pJ: 3, scope: marginal, source: "test"}
          router_hop_ns: {pJ: 4, scope: marginal, source: "test"}
        cores: {count: 128, neurons_per_core: 1024, mesh: {columns: 8, rows: 16}}
        sources: ["test"]
        """

    private func parse(_ text: String, file: String = "test.yaml") throws(ProfileError) -> HardwareProfile {
        try ProfileLibrary.parse(yaml: text, file: file)
    }

    /// The error parsing `text` throws, or `nil` when it loads.
    private func parseError(_ text: String, file: String = "test.yaml") -> ProfileError? {
        do {
            _ = try parse(text, file: file)
            return nil
        } catch {
            return error
        }
    }

    /// `text` with `old` (which must occur) replaced by `new`.
    private func replacing(_ text: String, _ old: String, _ new: String) -> String {
        #expect(text.contains(old), "test setup: '\(old)' not in the profile")
        return text.replacingOccurrences(of: old, with: new)
    }

    private func scratchDirectory() throws -> URL {
        try TestScratch.folder("profiles")
    }

    // MARK: bundled profiles

    @Test("the bundled folder is the repository's HardwareProfiles and holds every required profile")
    func bundledFolder() throws {
        let directory = try #require(ProfileLibrary.bundledDirectory())
        #expect(URL(fileURLWithPath: directory).standardizedFileURL.path
                == RepositoryPaths.root.appendingPathComponent("HardwareProfiles").standardizedFileURL.path)
        let names = try ProfileLibrary.bundledNames()
        for name in Self.required { #expect(names.contains(name), "missing bundled profile \(name)") }
    }

    @Test("every bundled profile loads, its name matches its file, and every constant carries evidence and a source",
          arguments: try ProfileLibrary.bundledNames())
    func bundledProfileLoads(name: String) throws {
        let profile = try ProfileLibrary.load(name)
        #expect(profile.name == name)
        #expect(URL(fileURLWithPath: profile.file).deletingPathExtension().lastPathComponent == name)
        #expect(!profile.sources.isEmpty && !profile.description.isEmpty)
        var constants = Array(profile.energy.values)
        for level in profile.memoryLevels + (profile.dram.map { [$0] } ?? []) {
            constants.append(level.read)
            if let write = level.write { constants.append(write) }
        }
        for constant in constants {
            #expect(constant.picojoules > 0 && constant.picojoules.isFinite)
            let evidence = try #require(constant.evidence, "\(name): a constant without evidence")
            let grade = try #require(EvidenceGrade.parse(evidence))
            #expect(grade.verification != nil, "\(name): evidence '\(evidence)' has no verification tag")
            #expect(!constant.source.isEmpty)
        }
        for quantity in [profile.staticPowerWatts, profile.timePerStepSeconds].compactMap({ $0 }) {
            #expect(quantity.evidence.flatMap(EvidenceGrade.parse) != nil)
        }
        switch profile.kind {
        case .digital: #expect(profile.energy["mac"] != nil || profile.energy["add"] != nil)
        case .neuromorphic: #expect(profile.energy["synop"] != nil && profile.cores != nil)
        }
    }

    @Test("Horowitz 45 nm fp32: MAC 4.6 = 3.7 + 0.9 pJ, SRAM 8 KB 10 pJ per 64-bit read, DRAM 1300 pJ")
    func horowitzFP32() throws {
        let profile = try ProfileLibrary.load("horowitz-45nm-fp32")
        #expect(profile.kind == .digital)
        #expect(try profile.constant("mac").picojoules == 4.6)
        #expect(try profile.constant("add").picojoules == 0.9)
        #expect(try profile.constant("multiply").picojoules == 3.7)
        #expect(try profile.constant("mac").scope == .marginal)
        #expect(profile.weightPrecision == .fp32 && profile.statePrecision.bits == 32)
        #expect(profile.processNanometers == 45 && profile.supplyVolts == 0.9)
        #expect(profile.memoryLevels.map(\.name) == ["sram-8KB", "sram-32KB", "sram-1MB"])
        #expect(profile.memoryLevels.map(\.capacityBytes) == [8192, 32768, 1_048_576])
        let small = try #require(profile.memoryLevels.first)
        #expect(small.read.picojoules == 10 && small.accessBits == 64)
        #expect(small.write == nil && small.writeOrRead == small.read)
        #expect(profile.memoryLevels.map(\.read.picojoules) == [10, 20, 100])
        let dram = try #require(profile.dram)
        #expect(dram.read.picojoules == 1300 && dram.capacityBytes == nil)
        #expect(dram.read.note?.contains("2600") == true, "the DRAM range belongs in the note")
        #expect(profile.memoryLevel(holding: 8192)?.name == "sram-8KB")
        #expect(profile.memoryLevel(holding: 8193)?.name == "sram-32KB")
        #expect(profile.memoryLevel(holding: 2_000_000)?.name == "dram")
        #expect(profile.synopEnergy?.picojoules == 0.9)
    }

    @Test("Horowitz 45 nm int8 and fp16")
    func horowitzOtherPrecisions() throws {
        let int8 = try ProfileLibrary.load("horowitz-45nm-int8")
        #expect(try int8.constant("mac").picojoules == 0.23)
        #expect(try int8.constant("add").picojoules == 0.03)
        #expect(try int8.constant("multiply").picojoules == 0.2)
        #expect(int8.weightPrecision == .int(bits: 8))
        let fp16 = try ProfileLibrary.load("horowitz-45nm-fp16")
        #expect(try fp16.constant("mac").picojoules == 1.5)
        #expect(try fp16.constant("add").picojoules == 0.4)
        #expect(fp16.activationPrecision == .fp16)
    }

    @Test("Loihi pre-silicon: Davies 2018 Table 2 figures, 128 cores of 1024 neurons")
    func loihi() throws {
        let profile = try ProfileLibrary.load("loihi-presilicon")
        #expect(profile.kind == .neuromorphic)
        let synop = try profile.constant("synop")
        #expect(synop.picojoules == 23.6 && synop.scope == .marginal && synop.evidence == "simulated (SEC)")
        #expect(try profile.constant("neuron_update_active").picojoules == 81)
        #expect(try profile.constant("neuron_update_idle").picojoules == 52)
        #expect(try profile.constant("spike_sent").picojoules == 1.7)
        #expect(profile.routerHop(.eastWest)?.picojoules == 3.0)
        #expect(profile.routerHop(.northSouth)?.picojoules == 4.0)
        let cores = try #require(profile.cores)
        #expect(cores.count == 128 && cores.neuronsPerCore == 1024 && cores.totalNeurons == 131_072)
        #expect(cores.synapticMemoryBytesPerCore == 16 * 1024 * 1024 / 128)
        // 32 tiles of 4 cores on an 8 × 4 mesh, with the floorplan's source named.
        #expect(cores.meshColumns == 8 && cores.meshRows == 4 && cores.coresPerTile == 4)
        #expect(profile.coresNote?.contains("SANA-FE") == true, "the floorplan must name its source")
        #expect(profile.weightPrecision == .int(bits: 8) && profile.activationPrecision == .int(bits: 1))
        #expect(profile.staticPowerWatts?.value == 0.104 && profile.staticPowerWatts?.evidence?.hasPrefix("derived") == true)
        #expect(profile.allInKeys.isEmpty)
    }

    @Test("TrueNorth: 42 mW passive power per chip (65 mW high) covering neuron updates, 2.5 pJ per event (11.2 high), the all-in 26 pJ an extension; 4096 cores on a 64 × 64 mesh; 1 ms tick")
    func trueNorth() throws {
        let profile = try ProfileLibrary.load("truenorth")
        let synop = try profile.constant("synop")
        #expect(synop.picojoules == 2.5 && synop.scope == .marginal && synop.high?.value == 11.2)
        #expect(profile.allInKeys.isEmpty, "the all-in 26 pJ is an extension key, never priced")
        let allIn = try profile.constant("x_synop_all_in")
        #expect(allIn.picojoules == 26 && allIn.scope == .allIn)
        #expect(profile.routerHop(.eastWest)?.picojoules == 2.3 && profile.routerHop(.northSouth)?.picojoules == 2.3)
        let cores = try #require(profile.cores)
        #expect(cores.count == 4096 && cores.neuronsPerCore == 256 && cores.fanInPerNeuron == 256)
        #expect(cores.meshColumns == 64 && cores.meshRows == 64)
        #expect(profile.timePerStepSeconds?.value == 0.001)
        let power = try #require(profile.staticPowerWatts)
        #expect(power.value == 0.042 && power.scope == .marginal && power.high?.value == 0.065)
        #expect(profile.staticPowerBoundary == StaticPowerBoundary(perChip: true, coversNeuronUpdates: true))
        #expect(profile.calibration == nil, "no constant is fitted to a TrueNorth measurement")
        #expect(profile.weightPrecision.bits == 1)
    }

    @Test("static_power_w: 'per' and 'covers' are parsed and checked; a system's power stays once per run by default")
    func staticPowerBoundary() throws {
        #expect(try ProfileLibrary.load("loihi").staticPowerBoundary == StaticPowerBoundary())
        let text = try String(contentsOfFile: RepositoryPaths.root.appendingPathComponent("HardwareProfiles/truenorth.yaml").path, encoding: .utf8)
        for (broken, expected) in [(text.replacingOccurrences(of: "  per: chip\n", with: "  per: board\n"), "'board' is not a boundary"),
                                   (text.replacingOccurrences(of: "covers: [neuron_updates]", with: "covers: [synops]"), "cannot cover 'synops'")] {
            do {
                _ = try ProfileLibrary.parse(yaml: broken, file: "broken.yaml")
                Issue.record("a bad static_power_w entry must be refused")
            } catch {
                #expect("\(error)".contains(expected) && "\(error)".contains("broken.yaml"), "\(error)")
            }
        }
    }

    @Test("SpiNNaker and KerasSpiking device figures")
    func peerToolFigures() throws {
        let spinnaker = try ProfileLibrary.load("spinnaker")
        #expect(try spinnaker.constant("synop").picojoules == 13_300)
        #expect(try spinnaker.constant("neuron_update_active").picojoules == 26_000)
        let spinnaker2 = try ProfileLibrary.load("spinnaker2")
        #expect(try spinnaker2.constant("synop").picojoules == 450)
        #expect(try spinnaker2.constant("neuron_update_active").picojoules == 2190)
        for (name, picojoules) in [("keras-spiking-cpu", 8600.0), ("keras-spiking-gpu", 300), ("keras-spiking-arm", 900)] {
            let profile = try ProfileLibrary.load(name)
            #expect(profile.kind == .digital)
            #expect(try profile.constant("synop").picojoules == picojoules)
            #expect(try profile.constant("neuron_update_active").picojoules == picojoules)
            #expect(profile.energy.values.allSatisfy { $0.scope == .allIn }, "\(name): whole-platform averages are all-in")
        }
    }

    // MARK: user files

    @Test("a user's YAML file loads by path, and so does a JSON file with tab indentation")
    func userFiles() throws {
        let folder = try scratchDirectory()
        let yamlPath = folder.appendingPathComponent("my-chip.yaml").path
        try Self.neuromorphic.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        let profile = try ProfileLibrary.load(yamlPath)
        #expect(profile.name == "test-chip" && profile.file == yamlPath)
        #expect(try profile.constant("synop").picojoules == 20)
        #expect(profile.energyKeys == ["synop", "router_hop_ew", "router_hop_ns"])

        let json = """
            {
            \t"schema": "neurocost-profile/1",
            \t"name": "json-chip",
            \t"description": "From JSON.",
            \t"kind": "digital",
            \t"technology": {"process_nm": 7, "supply_v": null},
            \t"precision": {"weights": "int8", "activations": "int8", "state": "int9"},
            \t"energy": {
            \t\t"add": {"pJ": 0.5e-1, "scope": "marginal", "evidence": "estimated (UNV)", "source": "a datasheet"}
            \t},
            \t"sources": ["a datasheet"]
            }
            """
        let jsonPath = folder.appendingPathComponent("json-chip.json").path
        try json.write(toFile: jsonPath, atomically: true, encoding: .utf8)
        let fromJSON = try ProfileLibrary.load(jsonPath)
        #expect(fromJSON.name == "json-chip" && fromJSON.processNanometers == 7 && fromJSON.supplyVolts == nil)
        #expect(try fromJSON.constant("add").picojoules == 0.05)
        #expect(fromJSON.statePrecision == .int(bits: 9))
        #expect(fromJSON.memoryLevels.isEmpty && fromJSON.dram == nil && fromJSON.cores == nil)
    }

    @Test("the examples in HardwareProfiles/README.md load")
    func readmeExamples() throws {
        let readme = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("HardwareProfiles/README.md"),
                                encoding: .utf8)
        func block(_ language: String, containing marker: String) throws -> String {
            let blocks = readme.components(separatedBy: "```\(language)\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
            return try #require(blocks.first { $0.contains(marker) }, "no \(language) block with \(marker)")
        }
        let yaml = try parse(try block("yaml", containing: "schema: neurocost-profile/1"), file: "readme.yaml")
        #expect(yaml.name == "my-chip" && yaml.cores?.meshColumns == 8)
        let json = try parse(try block("json", containing: "neurocost-profile/1"), file: "readme.json")
        #expect(json.name == "my-chip" && json.energy["synop"]?.picojoules == 5)
    }

    // MARK: errors

    @Test("constant(\"mac\") on Loihi throws, naming the profile and the field")
    func missingConstant() throws {
        let profile = try ProfileLibrary.load("loihi")
        do {
            _ = try profile.constant("mac")
            Issue.record("loihi has no MAC energy")
        } catch {
            #expect(error.field == "energy.mac")
            #expect(error.description.contains("'loihi'") && error.description.contains("energy.mac"), "\(error)")
            #expect(error.description.contains("synop"), "the error lists what the profile has: \(error)")
        }
    }

    @Test("an unknown profile name lists the bundled profiles")
    func unknownName() throws {
        do {
            _ = try ProfileLibrary.load("loihi3")
            Issue.record("loaded a profile that does not exist")
        } catch {
            for name in Self.required { #expect(error.description.contains(name), "\(error)") }
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a missing file is reported with its path")
    func missingFile() {
        let error = parseErrorOfLoad("/nonexistent/folder/chip.yaml")
        #expect(error?.description.hasPrefix("/nonexistent/folder/chip.yaml") == true)
    }

    private func parseErrorOfLoad(_ path: String) -> ProfileError? {
        do {
            _ = try ProfileLibrary.load(path)
            return nil
        } catch {
            return error
        }
    }

    @Test("malformed YAML gives a one-line error with the line")
    func malformedYAML() throws {
        let broken = replacing(Self.digital, "kind: digital", "kind: [digital")
        let error = try #require(parseError(broken))
        #expect(error.line != nil, "\(error)")
        #expect(error.description.hasPrefix("test.yaml: line "), "\(error)")
        #expect(error.message.contains("malformed YAML"))
        #expect(!error.description.contains("\n"))
        let indented = try #require(parseError("schema: neurocost-profile/1\nname: x\n  bad: [\n"))
        #expect(indented.line == 3, "\(indented)")
    }

    @Test("unknown keys are errors, at the top level and inside entries, with a suggestion")
    func unknownKeys() throws {
        let topLevel = try #require(parseError(Self.digital + "\nstatic_power: {value: 1, scope: marginal, source: x}"))
        #expect(topLevel.field == "static_power" && topLevel.message.contains("did you mean 'static_power_w'"), "\(topLevel)")
        let inEntry = try #require(parseError(replacing(Self.digital, "evidence: estimated,", "evidnce: estimated,")))
        #expect(inEntry.field == "energy.add.evidnce" && inEntry.line == 9, "\(inEntry)")
        let energyKey = try #require(parseError(replacing(Self.digital, "  add: {", "  addd: {")))
        #expect(energyKey.field == "energy.addd" && energyKey.message.contains("did you mean 'add'"), "\(energyKey)")
        let inCores = try #require(parseError(replacing(Self.neuromorphic, "neurons_per_core:", "neuron_per_core:")))
        #expect(inCores.field == "cores.neuron_per_core", "\(inCores)")
        let duplicate = try #require(parseError(Self.digital + "\nname: again"))
        #expect(duplicate.message.contains("twice"), "\(duplicate)")
        // Extension keys are allowed.
        let extended = try parse(replacing(Self.neuromorphic, "energy:\n", "energy:\n  x_learning: {pJ: 120, scope: marginal, source: t}\n"))
        #expect(extended.energy["x_learning"]?.picojoules == 120)
    }

    @Test("energies must be finite numbers greater than zero",
          arguments: ["-0.9", "0", ".nan", ".inf", "\"0.9\"", "lots"])
    func badEnergy(value: String) throws {
        let error = try #require(parseError(replacing(Self.digital, "pJ: 0.9,", "pJ: \(value),")))
        #expect(error.field == "energy.add.pJ", "\(error)")
        #expect(error.line == 9, "\(error)")
    }

    @Test("required fields per kind, scopes, precisions, evidence, memory order, mesh and hop keys are checked")
    func structuralChecks() throws {
        let cases: [(String, String, String, String)] = [
            // (base, old, new, text the error must contain)
            (Self.digital, "  mac: {pJ: 4.6, scope: marginal, evidence: derived (PRI), source: \"test\"}\n  add: {pJ: 0.9, scope: marginal, evidence: estimated, source: \"test\", note: \"a note\"}\n",
             "  multiply: {pJ: 3.7, scope: marginal, source: \"test\"}\n", "'mac' or 'add'"),
            (Self.neuromorphic, "  synop: {pJ: 20, scope: marginal, evidence: simulated (SEC), source: \"test\"}\n", "", "needs 'synop'"),
            (Self.neuromorphic, "cores: {count: 128, neurons_per_core: 1024, mesh: {columns: 8, rows: 16}}\n", "", "cores"),
            (Self.digital, "scope: marginal, evidence: derived", "scope: all_in, evidence: derived", "marginal or all-in"),
            (Self.digital, "weights: fp32", "weights: float32", "not a precision"),
            (Self.digital, "state: fp32", "state: int0", "not a precision"),
            (Self.digital, "evidence: derived (PRI)", "evidence: guessed", "not evidence"),
            (Self.digital, "evidence: derived (PRI)", "evidence: derived (XYZ)", "not evidence"),
            (Self.digital, "capacity_bytes: 32768", "capacity_bytes: 8192", "strictly increasing"),
            (Self.digital, "capacity_bytes: 32768", "capacity_bytes: 4096", "strictly increasing"),
            (Self.digital, "access_bits: 64, read: {pJ: 10", "access_bits: 0, read: {pJ: 10", "greater than 0"),
            (Self.digital, "{name: dram, access_bits", "{name: dram, capacity_bytes: 1, access_bits", "unknown key 'capacity_bytes'"),
            (Self.digital, "{name: large,", "{name: small,", "two memory levels"),
            (Self.neuromorphic, "rows: 16", "rows: 15", "places"),
            (Self.neuromorphic, "  router_hop_ns: {pJ: 4, scope: marginal, source: \"test\"}\n", "", "router_hop_ns"),
            (Self.neuromorphic, "router_hop_ns:", "router_hop:", "router_hop"),
            (Self.neuromorphic, "count: 128,", "count: 128, cores_per_chip: 100,", "chips of 100"),
            (Self.digital, "schema: neurocost-profile/1", "schema: neurocost-profile/2", "unsupported schema"),
            (Self.digital, "kind: digital", "kind: analog", "not a kind"),
            (Self.digital, "name: test-digital", "name: \"my chip\"", "letters, digits"),
            (Self.digital, "sources: [\"test\"]", "sources: []", "at least one"),
            (Self.digital, "description: \"A test profile.\"\n", "", "description"),
        ]
        for (base, old, new, expected) in cases {
            let error = try #require(parseError(replacing(base, old, new)), "accepted: \(old) → \(new)")
            #expect(error.description.contains(expected), "\(old) → \(new): \(error)")
            #expect(!error.description.contains("\n"))
        }
        #expect(parseError("") != nil)
        #expect(parseError("- just\n- a list\n")?.message.contains("mapping") == true)
    }

    @Test("precision spellings")
    func precisions() {
        #expect(NumericPrecision(spelling: "int9") == .int(bits: 9))
        #expect(NumericPrecision(spelling: "int1")?.bits == 1)
        #expect(NumericPrecision(spelling: "fp16")?.storageBytes == 2)
        #expect(NumericPrecision(spelling: "int65") == nil)
        #expect(NumericPrecision(spelling: "int08") == nil)
        #expect(NumericPrecision(spelling: "bf16") == nil)
        #expect(NumericPrecision.int(bits: 9).storageBytes == 2)
    }

    // MARK: command line

    private func neurocost(_ arguments: String...) throws -> ProcessResult {
        let binary = RepositoryPaths.cliBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw FixtureError(description: "\(binary) is missing: run `swift build` before the tests")
        }
        return try ProcessRunner.run(binary, arguments, in: FileManager.default.temporaryDirectory)
    }

    @Test("neurocost profiles lists, shows and validates")
    func commandLine() throws {
        let list = try neurocost("profiles")
        #expect(list.status == 0, "\(list.standardError)")
        for name in Self.required { #expect(list.standardOutput.contains(name)) }
        #expect(list.standardOutput.contains("synop 2.5 pJ") && !list.standardOutput.contains("synop 26 pJ (all-in)"))

        let show = try neurocost("profiles", "show", "loihi-presilicon")
        #expect(show.status == 0, "\(show.standardError)")
        for text in ["23.6", "pJ per synaptic event", "simulated (SEC)", "Davies et al.", "router_hop_ew", "timing.barrier_s"] {
            #expect(show.standardOutput.contains(text), "show lacks \(text)")
        }
        let silicon = try neurocost("profiles", "show", "loihi")
        for text in ["35.5", "axon_message", "host.loop_s", "host.input_core_s", "host.management_power_w", "Blouw et al."] {
            #expect(silicon.standardOutput.contains(text), "show loihi lacks \(text)")
        }

        let folder = try scratchDirectory()
        let good = folder.appendingPathComponent("good.yaml").path
        try Self.digital.write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try neurocost("profiles", "validate", good)
        #expect(ok.status == 0 && ok.standardOutput.hasPrefix("ok: "), "\(ok.standardOutput) \(ok.standardError)")

        let bad = folder.appendingPathComponent("bad.yaml").path
        try Self.digital.replacingOccurrences(of: "pJ: 0.9,", with: "pJ: -1,").write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try neurocost("profiles", "validate", bad)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains(bad) && refused.standardError.contains("energy.add.pJ"), "\(refused.standardError)")
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
    }
}
