import ArgumentParser
import Foundation
import GANNumerics

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "The sample quality of an MNIST checkpoint: classifier score, Fréchet distance, digits covered.",
        discussion: """
            Generates samples and scores them with the bundled digit classifier (see `classifier`): \
            exp(E KL(p(y|x) ‖ p(y))) over 10 splits (1 to 10), the Fréchet distance between Gaussian \
            fits of its 128 penultimate features on the samples and on the \(DigitClassifier.heldOutCount) \
            held-out real digits, and how many digits get at least 1% of the samples. Writes \
            score.json, samples.png, and the samples and their latent codes as samples.npy \
            [n, 32, 32, 1] and latent.npy [n, z].
            """)

    @Argument(help: "A run directory (from `train`), a checkpoint directory, or a model .safetensors file.")
    var source: String

    @Option(parsing: .unconditional, help: "Samples to generate and score.")
    var samples = ScoreAnalysis().samples

    @Option(parsing: .unconditional, help: "Seed of the samples' latent codes.")
    var seed: UInt64 = 0

    @Option(help: "The output directory (default: <run directory>/score).")
    var out: String?

    func validate() throws {
        guard samples >= 10 else { throw ValidationError("--samples must be at least 10 (one per split), got \(samples)") }
    }

    func run() throws {
        var analysis = ScoreAnalysis()
        analysis.samples = samples
        analysis.seed = seed
        let directory = out ?? Checkpoint.analysisDirectory(for: source, named: "score")
        do {
            let report = try analysis.run(source: source, directory: directory)
            let score = report.score
            print("""
                classifier score \(String(format: "%.3f ± %.3f", score.classifierScore, score.classifierScoreSpread)), \
                Fréchet distance \(String(format: "%.3f", score.frechetDistance)), \
                \(score.classesCovered) of 10 digits covered (\(score.samples) samples, classifier \
                \(String(format: "%.2f", 100 * report.classifierHeldOutAccuracy))% on held-out digits)
                \(directory): score.json, samples.png, samples.npy, latent.npy (\(String(format: "%.1f", report.seconds)) s)
                """)
        } catch {
            throw CommandFailure(error)
        }
    }
}
