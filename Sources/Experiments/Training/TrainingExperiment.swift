import Formats
import Games
import StepRules
import Tensors

/// What a training run trains: a GAN on some data, with its optimizer and state, the random
/// streams, and how its fixed samples are pictured and measured. ``MixtureExperiment`` and
/// ``ImageExperiment`` are the two kinds; ``TrainingRun`` drives either.
public protocol TrainingExperiment: AnyObject {
    var configuration: TrainingConfiguration { get }
    var game: GenerativeAdversarialGame { get }
    var optimizer: GameOptimizer { get }
    /// The step rules' and the method's state, by parameter name; saved in checkpoints.
    var optimizerState: OptimizerState { get set }
    /// The training stream (minibatches and latent codes); saved in checkpoints.
    var random: RandomGenerator { get set }
    /// Where the data sampler stands (image data sets are read in shuffled epochs).
    var dataPosition: DataPosition? { get set }

    /// A training minibatch drawn from `generator` (and from the data sampler).
    func batch(using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch

    /// `count` real samples drawn from `generator` alone: the training data sampler stays where
    /// it is (for analyses during a run).
    func realSamples(count: Int, using generator: inout RandomGenerator) -> Tensor

    /// The generator's samples for the fixed latent codes, pictured and measured.
    func snapshot() throws -> Snapshot
}

/// A picture of the fixed samples and what they measure.
public struct Snapshot {
    public let picture: RGBImage
    /// The samples themselves (saved as `.npy` at the end of a run).
    public let samples: Tensor
    public let metrics: SampleMetrics

    public init(picture: RGBImage, samples: Tensor, metrics: SampleMetrics) {
        self.picture = picture
        self.samples = samples
        self.metrics = metrics
    }
}

/// What generated samples measure: mode coverage on a mixture of Gaussians, the sample-quality
/// score of generated digits (each nil where it does not apply or was not measured).
public struct SampleMetrics: Codable, Sendable, Equatable {
    public var modes: ModeMetrics?
    public var score: ImageScore?

    public init(modes: ModeMetrics? = nil, score: ImageScore? = nil) {
        self.modes = modes
        self.score = score
    }
}

/// A data sampler's place: the epoch and the index within its shuffled order.
public struct DataPosition: Codable, Sendable, Equatable {
    public var epoch: Int
    public var index: Int

    public init(epoch: Int, index: Int) {
        self.epoch = epoch
        self.index = index
    }
}

extension TrainingExperiment {
    /// A minibatch of `real` samples with as many latent codes (and, for WGAN-GP, interpolation
    /// coefficients) from `generator`.
    func batch(real: Tensor, using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch {
        let count = real.shape[0]
        let noise = Tensor.normal([count, configuration.latentSize], using: &generator)
        let interpolation = game.penalty.needsInterpolation
            ? Tensor.uniform([count] + [Int](repeating: 1, count: real.shape.count - 1), using: &generator) : nil
        return GenerativeAdversarialGame.Batch(real: real, noise: noise, interpolation: interpolation)
    }

    /// A minibatch of `size` drawn from `generator` alone, leaving the training data sampler
    /// where it is (for spectra and other analyses).
    public func analysisBatch(size: Int, using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch {
        batch(real: realSamples(count: size, using: &generator), using: &generator)
    }

    /// A fresh minibatch from the training stream.
    public func nextBatch() -> GenerativeAdversarialGame.Batch {
        batch(using: &random)
    }

    /// One iteration of the optimizer, through `replay` when one is given (a recorded iteration
    /// replayed: the same numbers, faster).
    public func step(replaying replay: ReplayedStep<GenerativeAdversarialGame>? = nil) -> StepReport {
        guard let replay else { return optimizer.step(game, state: &optimizerState) { nextBatch() } }
        return replay.step(state: &optimizerState) { nextBatch() }
    }

    /// The parameters and buffers by name, as a checkpoint's model file holds them.
    public var modelState: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: game.allParameters.map { ($0.name, $0.parameter.value) }
            + game.buffers.map { ($0.name, $0.buffer.value) })
    }

    /// The buffers of `modelState` that are counters.
    public var modelCounts: Set<String> {
        Set(game.buffers.filter(\.buffer.isCount).map(\.name))
    }

    /// Continues from `checkpoint`: parameters and buffers, optimizer state, the training stream
    /// and the data position, each checked against the networks and the method.
    public func restore(_ checkpoint: Checkpoint) throws(FormatError) {
        try Checkpoint.loadParameters(checkpoint.model, into: game, path: checkpoint.files.model)
        do {
            let state = try OptimizerState(flattened: checkpoint.optimizer)
            try optimizer.validate(state, for: game)
            optimizerState = state
        } catch {
            throw FormatError(error.description, path: checkpoint.files.optimizer)
        }
        random = checkpoint.state.random
        dataPosition = checkpoint.state.dataPosition
    }

    /// `body` run with the generator's average in place when the configuration keeps one.
    func withEvaluationParameters<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard let averaging = optimizer.averaging else { return try body() }
        return try averaging.withAveragedParameters(game, state: optimizerState, body)
    }
}
