import Games
import Layers
import StepRules
import Tensors

/// The paper's mixture-of-Gaussians GAN, assembled from a configuration: data, networks, game,
/// optimizer, the random streams, and the fixed latent codes the snapshots are drawn from.
///
/// Random streams of the seed: 0 initialises the networks, 1 draws minibatches and latent codes,
/// 2 draws the fixed codes for snapshots (so plotting never changes the training stream).
public final class MixtureExperiment {
    public let configuration: TrainingConfiguration
    public let mixture: MixtureOfGaussians
    public let game: GenerativeAdversarialGame
    public var optimizer: any GameOptimizer
    /// The training stream (minibatches and latent codes); saved in checkpoints.
    public var random: RandomGenerator
    /// 5 × 512 latent codes, fixed for the whole run (the paper's plots).
    public let fixedNoise: Tensor
    public let plot: DensityPlot

    public init(configuration: TrainingConfiguration) {
        self.configuration = configuration
        switch configuration.experiment {
        case .mog8:
            mixture = .ring()
            plot = DensityPlot(extent: 1.6, size: configuration.plotSize, modes: mixture.means)
        case .mog25:
            mixture = .grid()
            plot = DensityPlot(extent: 6, size: configuration.plotSize, modes: mixture.means)
        }
        var initialization = RandomGenerator(seed: configuration.seed, stream: 0)
        game = GenerativeAdversarialGame(
            generator: PaperNetworks.generator(latentSize: configuration.latentSize, width: configuration.width,
                                               depth: configuration.depth, using: &initialization),
            discriminator: PaperNetworks.discriminator(width: configuration.width, depth: configuration.depth,
                                                       using: &initialization),
            objective: configuration.loss)
        optimizer = MixtureExperiment.makeOptimizer(configuration)
        random = RandomGenerator(seed: configuration.seed, stream: 1)
        var fixed = RandomGenerator(seed: configuration.seed, stream: 2)
        fixedNoise = Tensor.normal([5 * 512, configuration.latentSize], using: &fixed)
    }

    /// The game optimizer of the configuration, one step rule per player.
    static func makeOptimizer(_ configuration: TrainingConfiguration) -> any GameOptimizer {
        let rules: [any StepRule] = (0..<2).map { _ in makeStepRule(configuration) }
        switch configuration.method {
        case .simgd: return SimultaneousGradientDescent(stepRules: rules)
        case .altgd:
            return AlternatingGradientDescent(stepRules: rules, order: [1, 0],
                                              stepsPerTurn: [configuration.generatorSteps, configuration.discriminatorSteps])
        case .conopt: return ConsensusOptimization(gamma: configuration.gamma, stepRules: rules)
        case .clip: return ClippedGradientDescent(maxNorm: configuration.gamma, stepRules: rules)
        case .smooth: return SmoothedGradientDescent(gamma: configuration.gamma, stepRules: rules)
        }
    }

    static func makeStepRule(_ configuration: TrainingConfiguration) -> any StepRule {
        let rate = configuration.learningRate
        switch configuration.stepRule {
        case .rmsprop: return RMSProp(learningRate: rate, form: .tensorflow1)
        case .rmspropPytorch: return RMSProp(learningRate: rate, form: .pytorch)
        case .adam: return Adam(learningRate: rate)
        case .sgd: return StochasticGradientDescent(learningRate: rate)
        }
    }

    /// A fresh minibatch from the training stream.
    public func nextBatch() -> GenerativeAdversarialGame.Batch {
        batch(using: &random)
    }

    /// A minibatch of stratified real samples and standard normal latent codes from `generator`.
    public func batch(using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch {
        let real = mixture.batch(count: configuration.batchSize, using: &generator)
        let noise = Tensor.normal([configuration.batchSize, configuration.latentSize], using: &generator)
        return GenerativeAdversarialGame.Batch(real: real, noise: noise)
    }

    /// One iteration of the optimizer.
    public func step() -> StepReport {
        optimizer.step(game) { nextBatch() }
    }

    /// The generator's samples for the fixed latent codes, [2560, 2].
    public func fixedSamples() -> Tensor {
        game.sample(noise: fixedNoise)
    }

    /// Mode coverage of the fixed samples.
    public func modeMetrics() -> ModeMetrics {
        ModeMetrics(samples: fixedSamples(), mixture: mixture)
    }
}
