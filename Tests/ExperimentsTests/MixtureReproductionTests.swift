import Foundation
import Formats
import GANNumerics
import Testing

/// `reproduce mog` on two seeds of a short run: mode coverage per method at the reported
/// iterations, the table, and the figure of density plots with one row per method.
@Suite struct MixtureReproductionTests {
    /// An image experiment is refused before anything is trained or written.
    @Test func imageExperimentsAreRefused() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var reproduction = MixtureReproduction()
        reproduction.base.experiment = .mnist
        reproduction.directory = root + "/out"
        #expect(throws: ConfigurationError("the mixture-of-Gaussians reproduction runs mog8 or mog25, not mnist; use `reproduce images` for image experiments")) {
            try reproduction.run()
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
    }

    @Test func tableAndFigure() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var reproduction = MixtureReproduction()
        (reproduction.seeds, reproduction.reportedIterations) = (2, [20])
        (reproduction.base.iterations, reproduction.base.batchSize, reproduction.base.snapshotEvery) = (20, 64, 10)
        reproduction.base.plotSize = 64
        reproduction.directory = root
        let cells = try reproduction.run()
        #expect(cells.map(\.method) == ["simgd", "conopt"] && cells.allSatisfy { $0.iteration == 20 })
        #expect(cells.allSatisfy { $0.modesRecovered.count == 2 && $0.modesRecovered.allSatisfy { (0...8).contains($0) } })
        let table = try String(contentsOfFile: root + "/table.md", encoding: .utf8)
        #expect(table.split(separator: "\n").filter { $0.hasPrefix("| conopt | 20 | ") }.count == 1, "\(table)")
        let figure = try PNG.decode(FileIO.read(root + "/figure.png"))
        #expect(figure.height > 2 * 192 && figure.width > 3 * 192)  // two methods × snapshots 0, 10 and 20
    }
}
