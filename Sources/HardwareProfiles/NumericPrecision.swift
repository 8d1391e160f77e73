/// The number format of weights, activations or neuron state: `fp32`, `fp16`, or an integer of N bits (`int8`, `int9`, `int1`…).
public enum NumericPrecision: Sendable, Equatable, CustomStringConvertible {
    /// IEEE 754 single precision.
    case fp32
    /// IEEE 754 half precision.
    case fp16
    /// A signed or unsigned integer (or fixed-point number) of `bits` bits, 1…64.
    case int(bits: Int)

    /// Bits per value.
    public var bits: Int {
        switch self {
        case .fp32: 32
        case .fp16: 16
        case .int(let bits): bits
        }
    }

    /// Bytes per value when values are stored whole bytes apart (bits rounded up to whole bytes).
    public var storageBytes: Int { (bits + 7) / 8 }

    /// The profile spelling: `fp32`, `fp16`, `int8`…
    public var description: String {
        switch self {
        case .fp32: "fp32"
        case .fp16: "fp16"
        case .int(let bits): "int\(bits)"
        }
    }

    /// Reads the profile spelling: `fp32`, `fp16`, or `int` followed by 1…64; `nil` for anything else.
    public init?(spelling: String) {
        switch spelling {
        case "fp32": self = .fp32
        case "fp16": self = .fp16
        default:
            guard spelling.hasPrefix("int"), let bits = Int(spelling.dropFirst(3)), (1...64).contains(bits),
                  String(bits) == spelling.dropFirst(3) else { return nil }
            self = .int(bits: bits)
        }
    }
}
