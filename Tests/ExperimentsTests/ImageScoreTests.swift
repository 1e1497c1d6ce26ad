import Experiments
import Foundation
import Formats
import Spectral
import Testing
import Tensors

/// The sample-quality score on inputs with known answers, the committed classifier against its
/// stated accuracy, and `score` on runs.
@Suite struct ImageScoreTests {
    /// Identical predictions give a score of 1; confident predictions spread evenly over k
    /// classes give k.
    @Test func classifierScoreOfKnownProbabilities() {
        let uniform = Tensor(shape: [100, 10], scalars: [Double](repeating: 0.1, count: 1000))
        let (one, oneSpread) = ImageScore.classifierScore(uniform)
        #expect(abs(one - 1) < 1e-12 && oneSpread < 1e-12)
        let oneHot = Tensor(shape: [100, 10], scalars: (0..<1000).map { $0 % 10 == ($0 / 10) % 10 ? 1.0 : 0 })
        let (ten, tenSpread) = ImageScore.classifierScore(oneHot)
        #expect(abs(ten - 10) < 1e-12 && tenSpread < 1e-12)
        // Two equally likely classes, each predicted with certainty: e^{log 2} = 2.
        let halves = Tensor(shape: [40, 10], scalars: (0..<400).map { $0 % 10 == ($0 / 10) % 2 ? 1.0 : 0 })
        #expect(abs(ImageScore.classifierScore(halves, splits: 4).mean - 2) < 1e-12)
    }

    /// The Fréchet distance of a fit with itself is 0; between two Gaussians it has the closed
    /// form ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½, where for 2×2 matrices
    /// tr (Σ₁Σ₂)^½ = √(tr Σ₁Σ₂ + 2 √(det Σ₁ det Σ₂)).
    @Test func frechetDistanceOfKnownGaussians() {
        var random = RandomGenerator(seed: 3)
        let features = Tensor.normal([500, 6], dtype: .float64, using: &random)
        #expect(abs(ImageScore.frechetDistance(features, features)) < 1e-9)
        let first = Matrix(rows: 2, columns: 2, elements: [2, 0.6, 0.6, 1])
        let second = Matrix(rows: 2, columns: 2, elements: [0.5, -0.2, -0.2, 3])
        let product = first.tensor.matmul(second.tensor).doubles
        let determinants = (2 * 1 - 0.36) * (0.5 * 3 - 0.04)
        let traceOfRoot = (product[0] + product[3] + 2 * determinants.squareRoot()).squareRoot()
        let expected = (1.0 * 1.0 + 2.0 * 2.0) + 3 + 3.5 - 2 * traceOfRoot
        let distance = ImageScore.frechetDistance([1, 0], first, [0, 2], second)
        #expect(abs(distance - expected) < 1e-12, "\(distance) vs \(expected)")
    }

    /// The committed classifier reaches the accuracy stored with it (≥ 98%) on the held-out
    /// digits (a few borderline images may flip with another CPU's rounding).
    @Test func committedClassifierHasItsStatedAccuracy() throws {
        let (classifier, stated) = try DigitClassifier.bundled()
        #expect(stated >= 0.98)
        let accuracy = classifier.heldOutAccuracy(try ImageDataset.bundledMNIST())
        #expect(abs(accuracy - stated) <= 0.0025, "measured \(accuracy), stated \(stated)")
    }

    /// Real held-out digits score near 10 with every class covered; a tiny run scores its
    /// samples as it trains (`--score-every`) and `score` scores its checkpoint; mixture runs
    /// are refused in one line.
    @Test func scoringRealDigitsAndRuns() throws {
        let scorer = try ImageScorer.bundled()
        let data = try ImageDataset.bundledMNIST()
        let real = scorer.score(data.images(at: Array(0..<500)))
        #expect(real.classifierScore > 8 && real.classesCovered == 10, "\(real)")
        var random = RandomGenerator(seed: 2)
        let noise = scorer.score(Tensor.uniform([500, 32, 32, 1], low: -1, high: 1, using: &random))
        #expect(noise.frechetDistance > 10 * real.frechetDistance && noise.classifierScore < real.classifierScore, "\(noise) \(real)")
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = try tinyImageConfiguration(in: root)
        (configuration.scoreEvery, configuration.scoreSamples, configuration.logEvery) = (2, 20, 5)
        let run = root + "/image-run"
        let summary = try TrainingRun(configuration: configuration, directory: run).run().summary
        let scored = try MetricsLog.rows(at: run + "/metrics.jsonl").filter { $0.classifierScore != nil }
        #expect(scored.map(\.iteration) == [0, 2] && scored.allSatisfy { $0.classesCovered! >= 1 && $0.frechetDistance! > 0 })
        #expect(summary.finalMetrics.score?.samples == 20)
        var analysis = ScoreAnalysis()
        analysis.samples = 40
        let report = try analysis.run(source: run, directory: root + "/score", scorer: scorer)
        #expect(report.score.samples == 40 && report.iteration == 2)
        #expect(FileManager.default.fileExists(atPath: root + "/score/score.json"))
        #expect(try PNG.decode(FileIO.read(root + "/score/samples.png")).width > 0)
        // The arrays: the codes regenerate the samples through the checkpoint's generator.
        let codes = try NumPyArray.read(root + "/score/latent.npy")
        let samples = try NumPyArray.read(root + "/score/samples.npy")
        #expect(codes.shape == [40, 4] && samples.shape == [40, 32, 32, 1])
        let (experiment, _) = try Checkpoint.experiment(from: run)
        #expect((experiment as? ImageExperiment)?.samples(count: 40, seed: 0).floats == samples.floats)
        let mixture = try tinyRun(in: root + "/mog")
        #expect(throws: ConfigurationError.self) { try analysis.run(source: mixture, directory: root + "/x", scorer: scorer) }
    }
}
