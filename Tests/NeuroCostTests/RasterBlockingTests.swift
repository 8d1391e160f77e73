import Testing
import NIRFormat
@testable import Simulator

/// Raster trace blocks and chunks are sized together so that every full block fills whole chunks (each written once).
@Suite struct RasterBlockingTests {
    @Test("every node's raster chunk divides the block, stays within 1 MiB, and blocks stay within 32 MiB or 8 samples",
          arguments: [1, 8, 300, 4096])
    func chunksDivideBlocks(timesteps: Int) throws {
        let network = try NIRReader.read(path: SimulationFixtures.file("cnn_sparse_direct.nir")).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: timesteps))
        let spiking = Set(plan.stages.indices.filter { plan.network.nodes[plan.stages[$0].node].kind.emitsSpikes })
        try #require(spiking.count > 1)
        for nodes in [spiking, [spiking.min()!]] {
            let block = RasterBlocking.samplesPerBlock(plan: plan, nodes: nodes)
            let bytes = RasterBlocking.bytesPerSample(plan: plan, nodes: nodes)
            #expect(block >= 8 && block <= 256 && block & (block - 1) == 0, "block \(block)")
            #expect(block == 8 || block * bytes <= 32 << 20, "block \(block) × \(bytes) bytes")
            for node in nodes {
                let chunk = RasterBlocking.samplesPerChunk(plan: plan, nodes: nodes, node: node)
                let nodeBytes = RasterBlocking.bytesPerSample(plan: plan, nodes: [node])
                #expect(chunk >= 1 && block % chunk == 0, "node \(node): chunk \(chunk), block \(block)")
                #expect(chunk == 1 || chunk * nodeBytes <= 1 << 20, "node \(node): chunk \(chunk) × \(nodeBytes) bytes")
            }
        }
    }
}
