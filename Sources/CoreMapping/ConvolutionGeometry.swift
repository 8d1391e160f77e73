import NetworkModel

/// A convolution as the mapper needs it: where each kernel tap of an input position lands in the output, and which
/// taps are non-zero for each (output channel, input channel) pair. Enough to count fan-in, kernels and destination
/// cores per channel and position without walking the synapses.
struct ConvolutionGeometry: Sendable {
    let inputChannels: Int, inputHeight: Int, inputWidth: Int
    let outputChannels: Int, outputHeight: Int, outputWidth: Int
    let kernelHeight: Int, kernelWidth: Int
    let inputChannelsPerGroup: Int, outputChannelsPerGroup: Int
    /// `landingRow[iy · kH + ky]`: the output row tap `ky` of input row `iy` reaches, or −1.
    let landingRow: [Int32]
    let landingColumn: [Int32]
    /// Per output row: bit `ky` set when that tap reads an input row inside the input (not padding).
    let rowTaps: [UInt64]
    let columnTaps: [UInt64]
    /// `tapMask[co · inputChannelsPerGroup + ci]`: bit `ky · kW + kx` set for each non-zero weight.
    let tapMask: [UInt64]

    var taps: Int { kernelHeight * kernelWidth }
    var outputPlane: Int { outputHeight * outputWidth }
    var inputPlane: Int { inputHeight * inputWidth }

    /// nil when the convolution is not 1-D or 2-D or its kernel has more than 64 taps.
    init?(_ conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int]) {
        let rank = conv.spatialRank
        guard rank == 1 || rank == 2, inputShape.count == rank + 1, outputShape.count == rank + 1 else { return nil }
        let kernel = conv.kernelShape
        kernelHeight = rank == 2 ? kernel[0] : 1
        kernelWidth = kernel[rank - 1]
        guard kernelHeight * kernelWidth <= 64 else { return nil }
        inputChannels = inputShape[0]
        outputChannels = outputShape[0]
        inputHeight = rank == 2 ? inputShape[1] : 1
        inputWidth = inputShape[rank]
        outputHeight = rank == 2 ? outputShape[1] : 1
        outputWidth = outputShape[rank]
        inputChannelsPerGroup = conv.inputChannelsPerGroup
        outputChannelsPerGroup = conv.outputChannelsPerGroup
        let padding = conv.paddingPerAxis(inputSpatialShape: Array(inputShape.dropFirst()))
        func axis(_ index: Int, inputs: Int, outputs: Int, kernel: Int) -> (landing: [Int32], valid: [UInt64]) {
            let stride = index < 0 ? 1 : conv.stride[index], dilation = index < 0 ? 1 : conv.dilation[index]
            let before = index < 0 ? 0 : padding[index].before
            var landing = [Int32](repeating: -1, count: inputs * kernel)
            var valid = [UInt64](repeating: 0, count: outputs)
            for output in 0..<outputs {
                for tap in 0..<kernel {
                    let input = output * stride - before + tap * dilation
                    guard input >= 0, input < inputs else { continue }
                    landing[input * kernel + tap] = Int32(output)
                    valid[output] |= 1 << UInt64(tap)
                }
            }
            return (landing, valid)
        }
        let rows = axis(rank == 2 ? 0 : -1, inputs: inputHeight, outputs: outputHeight, kernel: kernelHeight)
        let columns = axis(rank - 1, inputs: inputWidth, outputs: outputWidth, kernel: kernelWidth)
        (landingRow, rowTaps) = rows
        (landingColumn, columnTaps) = columns
        var mask = [UInt64](repeating: 0, count: outputChannels * inputChannelsPerGroup)
        let taps = kernelHeight * kernelWidth
        conv.weight.forEachNonZero { index, _ in mask[index / taps] |= 1 << UInt64(index % taps) }
        tapMask = mask
    }

    /// The output channels of input channel `ci`'s group.
    func outputChannels(reading ci: Int) -> Range<Int> {
        let group = ci / inputChannelsPerGroup
        return (group * outputChannelsPerGroup)..<((group + 1) * outputChannelsPerGroup)
    }

    /// Taps of (output row `oy`, output column `ox`) that read inside the input, as `ky · kW + kx` bits.
    func validTaps(row oy: Int, column ox: Int) -> UInt64 {
        var mask: UInt64 = 0
        var rowBits = rowTaps[oy]
        while rowBits != 0 {
            let ky = rowBits.trailingZeroBitCount
            rowBits &= rowBits - 1
            mask |= columnTaps[ox] << UInt64(ky * kernelWidth)
        }
        return mask
    }
}
