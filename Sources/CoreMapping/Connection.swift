import NetworkModel

/// One way a source node's spikes reach a placed node's neurons: through routing (`map`, source elements to the
/// elements the synapses read) and then through a convolution, a weight matrix, or one synapse per element.
struct Connection: Sendable {
    enum Synapses: Sendable {
        case convolution(ConvolutionGeometry)
        /// Per input element (column), the target neurons its non-zero weights reach.
        case matrix(columnStarts: [Int32], rows: [Int32])
    }

    let source: Int
    /// The placed node (a population, or a readout weighted node) whose neurons the synapses reach.
    let target: Int
    let map: ElementMap
    let synapses: Synapses
    /// Source elements reaching each element the synapses read: one synapse each.
    let preimage: [Int32]

    var isConvolution: Bool { if case .convolution = synapses { return true } else { return false } }

    /// Synapses into each target neuron.
    func fanIn(targetCount: Int) -> [Int32] {
        var fanIn = [Int32](repeating: 0, count: targetCount)
        switch synapses {
        case .matrix(let starts, let rows):
            for column in 0..<(starts.count - 1) where preimage[column] != 0 {
                for entry in Int(starts[column])..<Int(starts[column + 1]) { fanIn[Int(rows[entry])] += preimage[column] }
            }
        case .convolution(let g):
            let uniform = preimage.first.flatMap { first in preimage.allSatisfy { $0 == first } ? first : nil }
            for co in 0..<g.outputChannels {
                let group = co / g.outputChannelsPerGroup
                let masks = (0..<g.inputChannelsPerGroup).map { g.tapMask[co * g.inputChannelsPerGroup + $0] }
                if let uniform {
                    // Every input element has the same number of sources: per position, the count of non-zero taps
                    // that land inside the input, summed over input channels (positions share few tap sets).
                    var perTap = [Int32](repeating: 0, count: g.taps)
                    for mask in masks {
                        var bits = mask
                        while bits != 0 { perTap[bits.trailingZeroBitCount] += 1; bits &= bits - 1 }
                    }
                    var cache: [UInt64: Int32] = [:]
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let valid = g.validTaps(row: oy, column: ox)
                            let count: Int32
                            if let known = cache[valid] { count = known } else {
                                var sum: Int32 = 0
                                var bits = valid
                                while bits != 0 { sum += perTap[bits.trailingZeroBitCount]; bits &= bits - 1 }
                                cache[valid] = sum
                                count = sum
                            }
                            fanIn[(co * g.outputHeight + oy) * g.outputWidth + ox] = count * uniform
                        }
                    }
                } else {
                    // Routing gives input elements different source counts: sum them tap by tap.
                    let rowSource = Self.inverse(g.landingRow, inputs: g.inputHeight, kernel: g.kernelHeight, outputs: g.outputHeight)
                    let columnSource = Self.inverse(g.landingColumn, inputs: g.inputWidth, kernel: g.kernelWidth, outputs: g.outputWidth)
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let valid = g.validTaps(row: oy, column: ox)
                            var sum: Int32 = 0
                            for (ciLocal, mask) in masks.enumerated() {
                                let ci = group * g.inputChannelsPerGroup + ciLocal
                                var bits = mask & valid
                                while bits != 0 {
                                    let tap = bits.trailingZeroBitCount
                                    bits &= bits - 1
                                    let (ky, kx) = (tap / g.kernelWidth, tap % g.kernelWidth)
                                    let iy = rowSource[oy * g.kernelHeight + ky], ix = columnSource[ox * g.kernelWidth + kx]
                                    sum += preimage[(ci * g.inputHeight + iy) * g.inputWidth + ix]
                                }
                            }
                            fanIn[(co * g.outputHeight + oy) * g.outputWidth + ox] = sum
                        }
                    }
                }
            }
        }
        return fanIn
    }

    /// `[output · kernel + tap]`: the input coordinate that tap reads for that output coordinate (where valid).
    private static func inverse(_ landing: [Int32], inputs: Int, kernel: Int, outputs: Int) -> [Int] {
        var source = [Int](repeating: 0, count: outputs * kernel)
        for input in 0..<inputs {
            for tap in 0..<kernel where landing[input * kernel + tap] >= 0 { source[Int(landing[input * kernel + tap]) * kernel + tap] = input }
        }
        return source
    }

    /// Synapses each source element's spike reaches (its fan-out through this connection).
    func fanOut() -> [Int32] {
        var perInput = [Int32](repeating: 0, count: preimage.count)
        switch synapses {
        case .matrix(let starts, _):
            for column in 0..<perInput.count { perInput[column] = starts[column + 1] - starts[column] }
        case .convolution(let g):
            for ci in 0..<g.inputChannels {
                let ciLocal = ci % g.inputChannelsPerGroup
                var perTap = [Int32](repeating: 0, count: g.taps)
                for co in g.outputChannels(reading: ci) {
                    var bits = g.tapMask[co * g.inputChannelsPerGroup + ciLocal]
                    while bits != 0 { perTap[bits.trailingZeroBitCount] += 1; bits &= bits - 1 }
                }
                for iy in 0..<g.inputHeight {
                    for ix in 0..<g.inputWidth {
                        var sum: Int32 = 0
                        for ky in 0..<g.kernelHeight where g.landingRow[iy * g.kernelHeight + ky] >= 0 {
                            for kx in 0..<g.kernelWidth where g.landingColumn[ix * g.kernelWidth + kx] >= 0 {
                                sum += perTap[ky * g.kernelWidth + kx]
                            }
                        }
                        perInput[(ci * g.inputHeight + iy) * g.inputWidth + ix] = sum
                    }
                }
            }
        }
        var perSource = [Int32](repeating: 0, count: map.sourceCount)
        for element in 0..<map.sourceCount { map.forEachTarget(of: element) { perSource[element] += perInput[$0] } }
        return perSource
    }
}
