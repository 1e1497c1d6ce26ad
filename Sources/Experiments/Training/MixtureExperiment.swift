import Formats
import Games
import Layers
import StepRules
import Tensors

/// The paper's mixture-of-Gaussians GAN, assembled from a configuration: data, networks, game,
/// optimizer, the random streams, and the fixed latent codes the snapshots are drawn from.
///
/// Random streams of the seed: 0 initialises the networks, 1 draws minibatches and latent codes,
/// 2 draws the fixed codes for snapshots (so plotting never changes the training stream).
public final class MixtureExperiment: TrainingExperiment {
    public let configuration: TrainingConfiguration
    public let mixture: MixtureOfGaussians
    public let game: GenerativeAdversarialGame
    public let optimizer: GameOptimizer
    public var optimizerState = OptimizerState()
    /// Mixture batches are drawn afresh; there is no data position.
    public var dataPosition: DataPosition?
    /// The training stream (minibatches and latent codes); saved in checkpoints.
    public var random: RandomGenerator
    /// 5 × 512 latent codes, fixed for the whole run (the paper's plots).
    public let fixedNoise: Tensor
    /// The number of fixed latent codes.
    public static let fixedSampleCount = 5 * 512
    public let plot: DensityPlot

    public init(configuration: TrainingConfiguration) {
        self.configuration = configuration
        if configuration.experiment == .mog25 {
            mixture = .grid()
            plot = DensityPlot(extent: 6, size: configuration.plotSize, modes: mixture.means)
        } else {
            mixture = .ring()
            plot = DensityPlot(extent: 1.6, size: configuration.plotSize, modes: mixture.means)
        }
        game = configuration.makeGame(
            generator: { PaperNetworks.generator(latentSize: configuration.latentSize, width: configuration.width,
                                                 depth: configuration.depth, using: &$0) },
            discriminator: { PaperNetworks.discriminator(width: configuration.width, depth: configuration.depth, using: &$0) })
        optimizer = configuration.makeOptimizer()
        random = configuration.trainingRandom
        fixedNoise = configuration.fixedNoise(count: MixtureExperiment.fixedSampleCount)
    }

    /// A minibatch of stratified real samples and standard normal latent codes from `generator`
    /// (and WGAN-GP's interpolation coefficients when that penalty is on).
    public func batch(using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch {
        analysisBatch(size: configuration.batchSize, using: &generator)
    }

    /// Stratified samples of the mixture.
    public func realSamples(count: Int, using generator: inout RandomGenerator) -> Tensor {
        mixture.batch(count: count, using: &generator)
    }

    /// The generator's samples for the fixed latent codes, [2560, 2] (from the averaged
    /// generator when the configuration keeps an average).
    public func fixedSamples() -> Tensor {
        withEvaluationParameters { game.sample(noise: fixedNoise) }
    }

    /// The density plot of the fixed samples and their mode coverage.
    public func snapshot() throws -> Snapshot {
        let samples = fixedSamples()
        return Snapshot(picture: plot.render(samples), samples: samples,
                        metrics: SampleMetrics(modes: ModeMetrics(samples: samples, mixture: mixture)))
    }
}
