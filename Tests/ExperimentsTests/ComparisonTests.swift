import Experiments
import Formats
import Foundation
import Testing

/// `compare` on the planar games: the update maps it reports against their closed forms.
@Suite struct ComparisonTests {
    struct Row: Decodable {
        let method: String
        let spectralRadius: Double?
        let trajectory: [[Double]]
    }

    @Test func planarComparisonReportsEachMethodsUpdateMap() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var comparison = MethodComparison()
        comparison.game = .bilinear
        comparison.iterations = 30
        comparison.stepSize = 0.2
        comparison.directory = root
        let table = try comparison.run()
        let rows = try JSON.read([Row].self, from: root + "/results.json")
        #expect(rows.map(\.method) == TrainingConfiguration.Method.allCases.map(\.rawValue))
        let radius = Dictionary(uniqueKeysWithValues: rows.map { ($0.method, $0.spectralRadius) })
        let h = 0.2
        // Closed forms on f = φθ (see BilinearGameTests): SimGD √(1 + h²), ConOpt and SGA with
        // weight 1 √((1 − h)² + h²), extragradient √((1 − h²)² + h²), CGD 1/√(1 + h²).
        for (method, expected) in [("simgd", (1 + h * h).squareRoot()), ("conopt", ((1 - h) * (1 - h) + h * h).squareRoot()),
                                   ("sga", ((1 - h) * (1 - h) + h * h).squareRoot()),
                                   ("extragradient", ((1 - h * h) * (1 - h * h) + h * h).squareRoot()),
                                   ("cgd", 1 / (1 + h * h).squareRoot()), ("altgd", 1)] {
            #expect(abs(radius[method]!! - expected) < 1e-8, "\(method): \(radius[method]!!) vs \(expected)")
        }
        #expect(radius["acgd"]! == nil)
        #expect(rows.allSatisfy { $0.trajectory.count == 31 && $0.trajectory[0] == [1, 1] })
        #expect(table.contains("| simgd | — |") && table.contains("| conopt | γ = 1 |") && table.contains("no (diverges)"))
        for name in ["trajectories.png", "eigenvalues.png"] {
            let image = try PNG.decode(FileIO.read(root + "/" + name))
            #expect(image.width > 600, "\(name)")
        }
        let svg = try String(contentsOfFile: root + "/trajectories.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<svg x=").count == rows.count + 1)
    }
}
