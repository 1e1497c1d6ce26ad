import Autodiff
import Layers
import Tensors

/// A GAN as a two-player game: players `[generator, discriminator]` (generator first, as in the
/// paper's eigenvalue figures). The discriminator sees the real and the generated batch in two
/// separate calls, as in the reference implementation.
public final class GenerativeAdversarialGame: DifferentiableGame {
    /// A minibatch of real samples and the latent codes for as many generated ones (and, for
    /// WGAN-GP, the interpolation coefficients, [n, 1, …] broadcasting over a sample).
    public struct Batch: ReplayableBatch {
        public let real: Tensor
        public let noise: Tensor
        public let interpolation: Tensor?

        public init(real: Tensor, noise: Tensor, interpolation: Tensor? = nil) {
            self.real = real
            self.noise = noise
            self.interpolation = interpolation
        }

        /// [real, noise] and the interpolation coefficients if there are any.
        public var tensors: [Tensor] { [real, noise] + (interpolation.map { [$0] } ?? []) }

        public init(tensors: [Tensor]) {
            precondition(tensors.count == 2 || tensors.count == 3, "GenerativeAdversarialGame.Batch: 2 or 3 tensors, not \(tensors.count)")
            self.init(real: tensors[0], noise: tensors[1], interpolation: tensors.count == 3 ? tensors[2] : nil)
        }
    }

    public let generator: any Layer
    public let discriminator: any Layer
    public let objective: GANObjective
    public let penalty: DiscriminatorPenalty
    public let players: [Player]

    public init(generator: any Layer, discriminator: any Layer, objective: GANObjective = .standard,
                penalty: DiscriminatorPenalty = .none) {
        self.generator = generator
        self.discriminator = discriminator
        self.objective = objective
        self.penalty = penalty
        players = [Player(name: "generator", parameters: generator.namedParameters(prefix: "generator")),
                   Player(name: "discriminator", parameters: discriminator.namedParameters(prefix: "discriminator"))]
    }

    /// Both networks' buffers, `generator.…` and `discriminator.…`.
    public var buffers: [NamedBuffer] {
        generator.namedBuffers(prefix: "generator") + discriminator.namedBuffers(prefix: "discriminator")
    }

    /// Sets both networks' mode (batch statistics or running averages).
    public func setMode(_ mode: LayerMode) {
        generator.setMode(mode)
        discriminator.setMode(mode)
    }

    /// `body` with both networks on batch statistics but their running averages left alone (for
    /// samples and analyses that must not change a run), then back to training.
    public func withFrozenStatistics<Result>(_ body: () throws -> Result) rethrows -> Result {
        setMode(.training(updatesStatistics: false))
        defer { setMode(.training(updatesStatistics: true)) }
        return try body()
    }

    /// [generator loss, discriminator loss (with the penalty, if any)].
    public func losses(on batch: Batch) -> [Variable] {
        let fake = generator(Variable(batch.noise))
        let (generatorLoss, discriminatorLoss) = objective.losses(
            realLogits: discriminator(Variable(batch.real)), fakeLogits: discriminator(fake))
        let penalty = self.penalty.value(discriminator: { self.discriminator($0) }, real: batch.real, fake: fake.value,
                                         interpolation: batch.interpolation)
        return [generatorLoss, penalty.map { discriminatorLoss + $0 } ?? discriminatorLoss]
    }

    /// Generated samples for `noise` (a plain tensor; the graph of the call is dropped at once).
    public func sample(noise: Tensor) -> Tensor {
        generator(noise)
    }
}
