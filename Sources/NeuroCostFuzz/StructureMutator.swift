import Foundation
import NeuroCost

/// Mutations of an HDF5 file's objects, applied through HDF5Kit to a copy of a valid file: datasets replaced by
/// others of extreme shape, type or value, members removed or added, groups where datasets belong, links that
/// dangle, loop or leave the file, type strings swapped, graphs nested, edges rewired.
enum StructureMutator {
    /// Node types a `type` string may be swapped for (including ones that do not exist).
    static let typeNames = ["Input", "Output", "Affine", "Linear", "Conv1d", "Conv2d", "Flatten", "SumPool2d", "AvgPool2d",
                            "Scale", "Threshold", "Delay", "I", "LI", "IF", "LIF", "CubaLI", "CubaLIF", "NIRGraph", "",
                            "MaxPool2d", "if", "IF\u{0}", String(repeating: "X", count: 10_000)]
    /// Field names real nodes have, to add where they do not belong or as unknown extras.
    static let fieldNames = ["weight", "bias", "stride", "padding", "dilation", "groups", "input_shape", "shape", "tau",
                             "r", "v_leak", "v_threshold", "v_reset", "tau_syn", "tau_mem", "w_in", "kernel_size",
                             "start_dim", "end_dim", "input_type", "scale", "threshold", "delay", "edges", "nodes",
                             "type", "metadata", "images", "labels", "spikes", "future_field"]

    static func mutate(file path: String, random: inout FuzzRandom) throws -> String {
        let file = try HDF5File(path: path, mode: .readWrite)
        defer { file.close() }
        var groups: [String] = []
        var datasets: [String] = []
        try collect(file, path: "/", groups: &groups, datasets: &datasets, depth: 0)
        let groupPath = random.pick(groups)
        let group = groupPath == "/" ? file as HDF5Group : try file.openGroup(groupPath)
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1, 2:
            guard let target = datasets.isEmpty ? nil : random.pick(datasets) else { return "no dataset to replace" }
            try file.removeMember(target)
            return "replaced \(target) by " + (try writeRandomDataset(target, in: file, random: &random))
        case 3:
            let candidates = datasets + groups.filter { $0 != "/" }
            guard !candidates.isEmpty else { return "nothing to remove" }
            let target = random.pick(candidates)
            try file.removeMember(target)
            return "removed \(target)"
        case 4:
            let name = random.pick(fieldNames)
            guard !group.exists(name) else { return "\(groupPath)/\(name) already there" }
            return "added \(groupPath)/\(name) as " + (try writeRandomDataset(name, in: group, random: &random))
        case 5:
            let name = random.pick(fieldNames) + (random.chance(0.5) ? "" : "_link")
            if group.exists(name) { try group.removeMember(name) }
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                try group.createSoftLink(name, to: random.pick(groups + datasets + ["/nowhere"]))
                return "soft link \(groupPath)/\(name)"
            case 1:
                try group.createHardLink(name, to: random.pick(groups + datasets))  // groups always holds "/"
                return "hard link \(groupPath)/\(name)"
            case 2:
                try group.createSoftLink(name, to: groupPath == "/" ? "/\(name)" : "\(groupPath)/\(name)")
                return "self-referencing soft link \(groupPath)/\(name)"
            default:
                try group.createExternalLink(name, file: random.pick([path, "/nonexistent.h5", "/etc/hostname"]), objectPath: "/node")
                return "external link \(groupPath)/\(name)"
            }
        case 6:
            guard group.exists("type") else { return "no type in \(groupPath)" }
            try group.removeMember("type")
            let type = random.pick(typeNames)
            try group.writeStringDataset("type", [type], shape: [])
            return "type of \(groupPath) set to '\(type.prefix(20))'"
        case 7:
            // Wrap: a new sub-graph, possibly nested several times, inside a random group.
            let depth = random.pick([1, 2, 40, 200])
            var current = group
            var name = "fuzz_graph"
            for _ in 0..<depth {
                while current.exists(name) { name += "_" }
                let sub = try current.createGroup(name)
                try sub.writeStringDataset("type", ["NIRGraph"], shape: [])
                try sub.writeDataset("edges", [Double](), shape: [0])
                current = try sub.createGroup("nodes")
            }
            return "\(depth) nested graphs under \(groupPath)"
        case 8:
            guard let edgesOwner = groups.first(where: { (try? file.openGroup($0))?.exists("edges") == true }) else { return "no edges" }
            let owner = edgesOwner == "/" ? file as HDF5Group : try file.openGroup(edgesOwner)
            let names = (try? owner.openGroup("nodes").memberNames()) ?? []
            let pool = names + ["", "nowhere", "a.b", "0", "\u{1F600}"]
            let count = random.pick([0, 1, 3, 10])
            let edges = (0..<(count * 2)).map { _ in random.pick(pool) }
            try owner.removeMember("edges")
            if count == 0 { try owner.writeDataset("edges", [Double](), shape: [0]) } else {
                try owner.writeStringDataset("edges", edges, shape: [count, 2])
            }
            return "rewired \(count) edges of \(edgesOwner)"
        default:
            guard !datasets.isEmpty else { return "no dataset to turn into a group" }
            let target = random.pick(datasets)
            try file.removeMember(target)
            _ = try file.createGroup(target)
            return "replaced dataset \(target) by a group"
        }
    }

    /// A dataset of random element type, shape and values; sometimes declaring an enormous chunked extent.
    static func writeRandomDataset(_ name: String, in group: HDF5Group, random: inout FuzzRandom) throws -> String {
        if random.chance(0.1) {
            let extent = random.pick([1 << 31, 1 << 40, 1 << 50])
            _ = try group.createDataset(name, of: Float.self, shape: [random.pick([1, 3]), extent], chunks: [1, 1024])
            return "a chunked float32 dataset declaring \(extent) columns"
        }
        if random.chance(0.15) {
            let value = random.pick(["same", "valid", "", "NIRGraph", "IF", "x"])
            try group.writeStringDataset(name, [value], shape: random.chance(0.5) ? [] : [1])
            return "the string '\(value)'"
        }
        let shape = random.interestingShape()
        let count = shape.reduce(1, *)
        if random.chance(0.5) {
            let values = (0..<count).map { _ in random.chance(0.3) ? random.interestingInteger() : Int64.random(in: -3...8, using: &random) }
            try group.writeDataset(name, values, shape: shape)
            return "int64 \(shape)"
        }
        let values = (0..<count).map { _ in random.chance(0.3) ? random.interestingDouble() : Double.random(in: -2...2, using: &random) }
        if random.chance(0.5) {
            try group.writeDataset(name, values.map { Float($0) }, shape: shape)
            return "float32 \(shape)"
        }
        try group.writeDataset(name, values, shape: shape)
        return "float64 \(shape)"
    }

    /// Every group and dataset reached through hard links, to a modest depth.
    private static func collect(_ group: HDF5Group, path: String, groups: inout [String], datasets: inout [String], depth: Int) throws {
        groups.append(path)
        guard depth < 12 else { return }
        for name in try group.memberNames() {
            guard (try? group.linkKind(of: name)) == .hard else { continue }
            let child = path == "/" ? "/\(name)" : "\(path)/\(name)"
            switch try group.kind(of: name) {
            case .group: try collect(try group.openGroup(name), path: child, groups: &groups, datasets: &datasets, depth: depth + 1)
            case .dataset: datasets.append(child)
            case .other: break
            }
        }
    }
}
