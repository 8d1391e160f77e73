/// A free-form metadata entry of a graph or node. NIR says no backend may rely on metadata;
/// NeuroCost keeps it so that a network written back carries what it was given.
public enum MetadataValue: Sendable, Equatable {
    case string(String)
    case strings([String], shape: [Int])
    case integers([Int64], shape: [Int])
    case floats(ParameterTensor)
}
