/// How one placed layer's neurons are split into cores: boxes of `channels × rows × columns` over a (C, H, W) layer
/// (channels outermost), or consecutive runs of neurons. Local core `k` of a box tiling is channel chunk
/// `k / spatialTiles`, spatial tile `k % spatialTiles` (row-major).
public struct LayerTiling: Sendable, Equatable {
    public let channels: Int, height: Int, width: Int
    public let chunk: Int, tileHeight: Int, tileWidth: Int

    /// A (C, H, W) layer in boxes of `chunk` channels × `tileHeight` rows × `tileWidth` columns.
    public init(channels: Int, height: Int, width: Int, chunk: Int, tileHeight: Int, tileWidth: Int) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.chunk, self.tileHeight, self.tileWidth) = (chunk, tileHeight, tileWidth)
    }

    /// `count` neurons in runs of `run`.
    public init(count: Int, run: Int) {
        self.init(channels: count, height: 1, width: 1, chunk: run, tileHeight: 1, tileWidth: 1)
    }

    public var chunks: Int { (channels + chunk - 1) / chunk }
    public var tileRows: Int { (height + tileHeight - 1) / tileHeight }
    public var tileColumns: Int { (width + tileWidth - 1) / tileWidth }
    public var spatialTiles: Int { tileRows * tileColumns }
    public var coreCount: Int { chunks * spatialTiles }
    public var neuronCount: Int { channels * height * width }
    /// Neurons of the fullest core.
    public var neuronsPerFullCore: Int { min(chunk, channels) * min(tileHeight, height) * min(tileWidth, width) }

    @inline(__always)
    public func core(channel: Int, row: Int, column: Int) -> Int {
        (channel / chunk) * spatialTiles + (row / tileHeight) * tileColumns + column / tileWidth
    }

    @inline(__always)
    public func core(ofNeuron neuron: Int) -> Int {
        let plane = height * width
        let channel = neuron / plane, rest = neuron % plane
        return core(channel: channel, row: rest / width, column: rest % width)
    }

    /// Local core of every neuron.
    public func coreOfNeurons() -> [Int32] { (0..<neuronCount).map { Int32(core(ofNeuron: $0)) } }

    /// Distinct sizes a dimension of `size` can be cut into: ⌈size / k⌉ for k = 1…size, largest first.
    static func cuts(of size: Int) -> [Int] {
        var result: [Int] = []
        var k = 1
        while k <= size {
            let cut = (size + k - 1) / k
            if result.last != cut { result.append(cut) }
            k += 1
        }
        return result
    }
}
