/// Population weight sets found so far in one layer's tiling search, per incoming group and spatial tile: the tiling
/// search evaluates many channel chunks of each spatial tile, and the sets are the same for all of them.
final class WeightSetCache {
    private struct Key: Hashable {
        let group: Int, tileHeight: Int, tileWidth: Int
    }
    private var found: [Key: [PopulationGeometry.WeightSet]] = [:]

    func sets(group: Int, geometry: PopulationGeometry, tiling: LayerTiling, compartmentBaseSpan: Int?) -> [PopulationGeometry.WeightSet] {
        let key = Key(group: group, tileHeight: tiling.tileHeight, tileWidth: tiling.tileWidth)
        if let known = found[key] { return known }
        let sets = geometry.weightSets(tiling: tiling, compartmentBaseSpan: compartmentBaseSpan)
        found[key] = sets
        return sets
    }
}
