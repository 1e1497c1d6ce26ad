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
public final class MixtureExperiment {
    public let configuration: TrainingConfiguration
    public let mixture: MixtureOfGaussians
    public let game: GenerativeAdversarialGame
    public var optimizer: any GameOptimizer
    /// The training stream (minibatches and latent codes); saved in checkpoints.
    public var random: RandomGenerator
    /// 5 × 512 latent codes, fixed for the whole run (the paper's plots).
    public let fixedNoise: Tensor
    /// The number of fixed latent codes.
    public static let fixedSampleCount = 5 * 512
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
        fixedNoise = Tensor.normal([MixtureExperiment.fixedSampleCount, configuration.latentSize], using: &fixed)
    }

    /// The parameters by name, as a checkpoint's model file holds them.
    public var modelState: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: game.allParameters.map { ($0.name, $0.parameter.value) })
    }

    /// The step rules' state by `<parameter name>.<state name>`, as a checkpoint's optimizer file
    /// holds it.
    public var optimizerState: [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (player, members) in game.players.enumerated() {
            let rule = optimizer.stepRule(forPlayer: player)
            let offset = game.firstSlot(ofPlayer: player)
            for (slot, named) in members.parameters.enumerated() {
                for (key, tensor) in rule.state(ofSlot: offset + slot) { state["\(named.name).\(key)"] = tensor }
            }
        }
        return state
    }

    /// Continues from `checkpoint`: parameters, step-rule state and the training stream, each
    /// checked against the networks.
    public func restore(_ checkpoint: Checkpoint) throws(FormatError) {
        try Checkpoint.loadParameters(checkpoint.model, into: game, path: checkpoint.files.model)
        random = checkpoint.state.random
        let names = Set(game.allParameters.map(\.name))
        if let stray = checkpoint.optimizer.keys.sorted().first(where: { key in !names.contains { key.hasPrefix($0 + ".") } }) {
            throw FormatError("holds \(stray), which belongs to no parameter of this network",
                              path: checkpoint.files.optimizer)
        }
        for (player, members) in game.players.enumerated() {
            let rule = optimizer.stepRule(forPlayer: player)
            let offset = game.firstSlot(ofPlayer: player)
            for (slot, named) in members.parameters.enumerated() {
                let prefix = named.name + "."
                var slotState: [String: Tensor] = [:]
                for (key, tensor) in checkpoint.optimizer where key.hasPrefix(prefix) {
                    slotState[String(key.dropFirst(prefix.count))] = tensor
                }
                if let mismatch = slotState.first(where: { $0.value.shape != named.parameter.shape && $0.value.count != 1 }) {
                    throw FormatError("\(prefix)\(mismatch.key) has shape \(mismatch.value.shape) but the parameter has \(named.parameter.shape)",
                                      path: checkpoint.files.optimizer)
                }
                do {
                    try rule.restoreState(slotState.mapValues { $0.converted(to: named.parameter.value.dtype) }, ofSlot: offset + slot)
                } catch {
                    throw FormatError("state of \(named.name): \(error.description)", path: checkpoint.files.optimizer)
                }
            }
        }
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
