import NetworkModel
@testable import Simulator
import Testing

/// A sparse stride-1 convolution's position-class lists against the convolution's definition, computed here directly
/// from the weight tensor: one input element scattered with scale 1 must put exactly its non-zero weights on exactly
/// the output elements its landing taps reach. The shapes cover what the list building orders differently: an output
/// plane smaller than the kernel's reach (offsets of different output channels interleave, and channels hold more
/// entries than insertion handles), groups, dilation, uneven padding and a one-dimensional convolution.
@Suite struct SparseConvolutionListsTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var inputChannels: Int, outputChannels: Int, groups = 1
        var spatial: [Int], kernel: [Int], padding: [Int], dilation: [Int]
        var density = 0.05
        var testDescription: String {
            "\(inputChannels) → \(outputChannels) channels (groups \(groups)) on \(spatial), kernel \(kernel), "
                + "padding \(padding), dilation \(dilation), density \(density)"
        }
    }

    static let shapes = [
        Shape(inputChannels: 12, outputChannels: 20, spatial: [9, 7], kernel: [3, 3], padding: [1, 1], dilation: [1, 1]),
        // Output plane 2 × 2 (4 elements) against a reach of 6: the general sort path, runs of about 58 entries.
        Shape(inputChannels: 6, outputChannels: 64, spatial: [2, 2], kernel: [3, 3], padding: [1, 1], dilation: [1, 1],
              density: 0.1),
        Shape(inputChannels: 8, outputChannels: 12, groups: 2, spatial: [8, 6], kernel: [5, 3], padding: [2, 1],
              dilation: [1, 1]),
        Shape(inputChannels: 8, outputChannels: 12, spatial: [10, 6], kernel: [3, 3], padding: [2, 2], dilation: [2, 2]),
        Shape(inputChannels: 6, outputChannels: 16, spatial: [13], kernel: [5], padding: [2], dilation: [1]),
    ]

    @Test("each input element's list scatters exactly its non-zero weights onto the outputs its taps reach", arguments: shapes)
    func listsMatchTheDefinition(shape: Shape) throws {
        var random = SplitMix(seed: 0x5EED_0010)
        let perGroupIn = shape.inputChannels / shape.groups, perGroupOut = shape.outputChannels / shape.groups
        let taps = shape.kernel.reduce(1, *)
        let weights = (0..<(shape.outputChannels * perGroupIn * taps)).map { _ -> Float in
            Double.random(in: 0..<1, using: &random) < shape.density ? Float.random(in: -1...1, using: &random) : 0
        }
        let conv = ConvolutionParameters(
            weight: try ParameterTensor(shape: [shape.outputChannels, perGroupIn] + shape.kernel, float32: weights),
            bias: nil, stride: shape.spatial.map { _ in 1 }, padding: .explicit(shape.padding), dilation: shape.dilation,
            groups: shape.groups, declaredInputSpatialShape: nil)
        let outputSpatial = conv.outputSpatialShape(inputSpatialShape: shape.spatial)
        let arena = BufferArena()
        let scatter = ConvolutionScatter(conv, inputShape: [shape.inputChannels] + shape.spatial,
                                         outputShape: [shape.outputChannels] + outputSpatial, arena: arena)
        guard case .sparsePositionClasses = scatter.weights else {
            Issue.record("\(shape): not stored as position-class lists")
            return
        }
        // Two spatial axes throughout; a one-dimensional shape is a single row.
        let (height, width) = shape.spatial.count == 2 ? (shape.spatial[0], shape.spatial[1]) : (1, shape.spatial[0])
        let (outHeight, outWidth) = outputSpatial.count == 2 ? (outputSpatial[0], outputSpatial[1]) : (1, outputSpatial[0])
        let (kH, kW) = shape.kernel.count == 2 ? (shape.kernel[0], shape.kernel[1]) : (1, shape.kernel[0])
        let (padTop, padLeft) = shape.padding.count == 2 ? (shape.padding[0], shape.padding[1]) : (0, shape.padding[0])
        let (dilationY, dilationX) = shape.dilation.count == 2 ? (shape.dilation[0], shape.dilation[1]) : (1, shape.dilation[0])
        let outputCount = shape.outputChannels * outHeight * outWidth
        var output = [Float](repeating: 0, count: outputCount)
        for channel in 0..<shape.inputChannels {
            let group = channel / perGroupIn, local = channel % perGroupIn
            for y in 0..<height {
                for x in 0..<width {
                    var expected = [Float](repeating: 0, count: outputCount)
                    for k in 0..<perGroupOut {
                        let outChannel = group * perGroupOut + k
                        for ky in 0..<kH {
                            for kx in 0..<kW {
                                let oy = y + padTop - ky * dilationY, ox = x + padLeft - kx * dilationX
                                guard oy >= 0, oy < outHeight, ox >= 0, ox < outWidth else { continue }
                                let weight = weights[((outChannel * perGroupIn + local) * kH + ky) * kW + kx]
                                expected[(outChannel * outHeight + oy) * outWidth + ox] += weight
                            }
                        }
                    }
                    for index in output.indices { output[index] = 0 }
                    output.withUnsafeMutableBufferPointer { output in
                        scatter.scatter(input: (channel * height + y) * width + x, scale: 1, into: output.baseAddress!)
                    }
                    #expect(output.map(\.bitPattern) == expected.map(\.bitPattern),
                            "\(shape): input channel \(channel) at (\(y), \(x))")
                }
            }
        }
    }
}
