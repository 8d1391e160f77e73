/// The direction of a hop in a core mesh routed dimension-ordered (X first, then Y).
public enum MeshDirection: Sendable, Equatable {
    /// Along a row, changing column (X).
    case eastWest
    /// Along a column, changing row (Y).
    case northSouth
}
