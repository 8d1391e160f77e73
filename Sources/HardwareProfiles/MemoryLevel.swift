/// One level of a digital memory hierarchy (an SRAM of a given size, or DRAM), priced per access.
public struct MemoryLevel: Sendable, Equatable {
    /// The level's name in the profile, e.g. `sram-8KB`.
    public let name: String
    /// Capacity in bytes; `nil` for DRAM (unbounded).
    public let capacityBytes: Int?
    /// Bits moved by one access; the read and write energies are per access of this width.
    public let accessBits: Int
    /// Energy of one read access.
    public let read: EnergyConstant
    /// Energy of one write access, when published.
    public let write: EnergyConstant?

    /// Creates a level; `capacityBytes` is `nil` for DRAM.
    public init(name: String, capacityBytes: Int?, accessBits: Int, read: EnergyConstant, write: EnergyConstant?) {
        self.name = name
        self.capacityBytes = capacityBytes
        self.accessBits = accessBits
        self.read = read
        self.write = write
    }

    /// The write energy, or the read energy when no write figure is published (the documented convention).
    public var writeOrRead: EnergyConstant { write ?? read }

    /// Read energy per bit moved, in picojoules.
    public var readPicojoulesPerBit: Double { read.picojoules / Double(accessBits) }

    /// Write energy (or read energy, see ``writeOrRead``) per bit moved, in picojoules.
    public var writePicojoulesPerBit: Double { writeOrRead.picojoules / Double(accessBits) }
}
