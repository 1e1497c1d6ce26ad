import Foundation
import Formats
import Tensors

/// `gan-numerics score`: the sample quality of an MNIST checkpoint by the bundled digit
/// classifier (``ImageScore``), written as `score.json` with a grid of the first 64 samples,
/// and the samples and their latent codes as `samples.npy` [n, h, w, c] and `latent.npy` [n, z]
/// (to compare with the checkpoint loaded elsewhere, e.g. in PyTorch).
public struct ScoreAnalysis: Sendable {
    /// Generated samples to score.
    public var samples = 10_000
    /// Seed of their latent codes.
    public var seed: UInt64 = 0

    public init() {}

    /// What `score.json` holds.
    public struct Report: Codable, Sendable {
        public let source: String
        public let iteration: Int?
        public let seed: UInt64
        public let classifierHeldOutAccuracy: Double
        public let score: ImageScore
        public let seconds: Double
    }

    /// Scores the run directory or checkpoint `source` and writes to `directory`.
    public func run(source: String, directory: String, scorer: ImageScorer? = nil) throws -> Report {
        guard samples >= 10 else { throw ConfigurationError("--samples must be at least 10 (one per split), got \(samples)") }
        let start = Date()
        let (loaded, iteration) = try Checkpoint.experiment(from: source)
        guard let experiment = loaded as? ImageExperiment else {
            throw ConfigurationError("score measures image GANs; \(source) is a \(loaded.configuration.experiment.rawValue) run (its mode coverage is in metrics.jsonl)")
        }
        try ImageScorer.check(imageShape: [1, experiment.dataset.height, experiment.dataset.width, experiment.dataset.channels],
                              of: experiment.configuration.architecture.rawValue)
        let scorer = try scorer ?? ImageScorer.bundled()
        let codes = experiment.latentCodes(count: samples, seed: seed)
        let images = experiment.samples(for: codes)
        let report = Report(source: source, iteration: iteration, seed: seed, classifierHeldOutAccuracy: scorer.classifierAccuracy,
                            score: scorer.score(images), seconds: Date().timeIntervalSince(start))
        try FileIO.makeDirectory(directory)
        try JSON.write(report, to: directory + "/score.json")
        try FileIO.write(ImageGrid.render(images.slice(alongAxis: 0, range: 0..<min(64, samples))).png(),
                         to: directory + "/samples.png")
        try NumPyArray.write(images, to: directory + "/samples.npy")
        try NumPyArray.write(codes, to: directory + "/latent.npy")
        return report
    }
}
