import Foundation
import Formats
import Games
import GANNumerics
import Testing

/// `reproduce images` on a tiny grid: scores at the scored iterations, a table and a figure with
/// one row per method, diverged runs recorded as such and never retrained, finished runs reused.
@Suite struct ImageReproductionTests {
    func tinyReproduction(in root: String) throws -> ImageReproduction {
        var reproduction = ImageReproduction()
        reproduction.base = try tinyImageConfiguration(in: root, architecture: .dcgan4NoBN, iterations: 2)
        (reproduction.base.scoreEvery, reproduction.base.scoreSamples) = (1, 20)
        reproduction.architectures = [.dcgan4NoBN]
        reproduction.losses = [.standard, .js]
        reproduction.methods = [.simgd, .conopt]
        reproduction.seeds = 2
        reproduction.directory = root + "/reproduce"
        return reproduction
    }

    @Test func tableFigureAndReuse() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reproduction = try tinyReproduction(in: root)
        let cells = try reproduction.run()
        #expect(cells.count == 2 * 2 * 2)  // losses × methods × scored iterations 1 and 2
        for cell in cells {
            #expect(cell.classifierScore.count == 2 && cell.diverged == 0)
            #expect(cell.classifierScore.allSatisfy { $0 >= 1 && $0 <= 10 })
            #expect(cell.frechetDistance.count == 2 && cell.classesCovered.count == 2)
        }
        let table = try String(contentsOfFile: reproduction.directory + "/table.md", encoding: .utf8)
        #expect(table.contains("| dcgan4_nobn | JS | conopt | "))
        #expect(table.contains("score @ 1 | score @ 2 | Fréchet distance"))
        let figure = try PNG.decode(FileIO.read(reproduction.directory + "/figure.png"))
        #expect(figure.height > 2 * 200 && figure.width > 2 * 200)  // two methods × two losses
        // A second call reuses every run: nothing trains again, so the logs (with their wall
        // times) stay byte for byte as they were.
        let log = reproduction.directory + "/runs/dcgan4_nobn-JS-conopt-seed1/metrics.jsonl"
        let before = try FileIO.read(log)
        let again = try reproduction.run()
        #expect(try FileIO.read(log) == before)
        #expect(again.map(\.classifierScore) == cells.map(\.classifierScore))
    }

    @Test func divergedRunsAreResultsNotFailures() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var reproduction = try tinyReproduction(in: root)
        (reproduction.base.stepRule, reproduction.base.learningRate) = (.sgd, 1e30)
        (reproduction.losses, reproduction.methods, reproduction.seeds) = ([.standard], [.simgd], 1)
        // The first step leaves the parameters huge but finite (scored); the second overflows.
        let cells = try reproduction.run()
        #expect(cells.map(\.diverged) == [0, 1] && cells.map(\.classifierScore.count) == [1, 0])
        let table = try String(contentsOfFile: reproduction.directory + "/table.md", encoding: .utf8)
        let row = table.split(separator: "\n").first { $0.hasPrefix("| dcgan4_nobn | standard | simgd | ") }
        #expect(row?.hasSuffix(" | diverged | diverged | diverged |") == true && row?.contains("±") == false, "\(table)")
        let marker = reproduction.directory + "/runs/dcgan4_nobn-standard-simgd-seed0/diverged.json"
        let recorded = try FileIO.read(marker)
        try reproduction.run()
        #expect(try FileIO.read(marker) == recorded)
        #expect(try PNG.decode(FileIO.read(reproduction.directory + "/figure.png")).width > 200)
    }
}
