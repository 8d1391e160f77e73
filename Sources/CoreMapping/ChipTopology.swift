import HardwareProfiles

/// Where a core sits: its chip, and its tile's place on the chip's mesh. Cores are numbered chip by chip, tile by
/// tile (row-major over the mesh), `coresPerTile` consecutive cores to a tile.
public struct ChipTopology: Sendable, Equatable {
    public let coresPerChip: Int
    public let coresPerTile: Int
    /// Tiles per mesh row on one chip (nil: no mesh published, hops are not counted).
    public let meshColumns: Int?
    /// Chips per row of a 2-D mesh of chips (nil: a chain of chips).
    public let chipMeshColumns: Int?

    public init(coresPerChip: Int, coresPerTile: Int, meshColumns: Int?, chipMeshColumns: Int?) {
        self.coresPerChip = max(coresPerChip, 1)
        self.coresPerTile = max(coresPerTile, 1)
        self.meshColumns = meshColumns
        self.chipMeshColumns = chipMeshColumns
    }

    public init(_ limits: CoreLimits) {
        self.init(coresPerChip: limits.coresPerChip ?? limits.count, coresPerTile: limits.coresPerTile,
                  meshColumns: limits.meshColumns, chipMeshColumns: limits.chipMeshColumns)
    }

    public func chip(of core: Int) -> Int { core / coresPerChip }

    /// The (x, y) mesh place of the core's tile on its chip.
    public func tilePosition(of core: Int) -> (x: Int, y: Int)? {
        guard let meshColumns else { return nil }
        let tile = (core % coresPerChip) / coresPerTile
        return (tile % meshColumns, tile / meshColumns)
    }

    /// Chip boundaries a message from chip `a` to chip `b` crosses: the Manhattan distance on the mesh of chips, or
    /// the distance along the chain when the arrangement is not published.
    public func chipCrossings(from a: Int, to b: Int) -> Int {
        guard let columns = chipMeshColumns else { return abs(a - b) }
        return abs(a % columns - b % columns) + abs(a / columns - b / columns)
    }

    /// One spike from core `source` to core `destination`: router hops on the chip's mesh (X then Y, 0 within a
    /// tile) when both cores are on one chip, else the chip boundaries it crosses (the path to and from each chip's
    /// edge is not modelled, so no on-chip hops are counted for it).
    public func route(from source: Int, to destination: Int) -> (hops: Int, chipCrossings: Int) {
        let (a, b) = (chip(of: source), chip(of: destination))
        if a != b { return (0, chipCrossings(from: a, to: b)) }
        guard let from = tilePosition(of: source), let to = tilePosition(of: destination) else { return (0, 0) }
        return (abs(from.x - to.x) + abs(from.y - to.y), 0)
    }
}
