import Autodiff
import Layers
import Tensors

/// A GAN as a two-player game: players `[generator, discriminator]` (generator first, as in the
/// paper's eigenvalue figures). The discriminator sees the real and the generated batch in two
/// separate calls, as in the reference implementation.
public final class GenerativeAdversarialGame: DifferentiableGame {
    /// A minibatch of real samples and the latent codes for as many generated ones.
    public struct Batch {
        public let real: Tensor
        public let noise: Tensor

        public init(real: Tensor, noise: Tensor) {
            self.real = real
            self.noise = noise
        }
    }

    public let generator: any Layer
    public let discriminator: any Layer
    public let objective: GANObjective
    public let players: [Player]

    public init(generator: any Layer, discriminator: any Layer, objective: GANObjective = .standard) {
        self.generator = generator
        self.discriminator = discriminator
        self.objective = objective
        players = [Player(name: "generator", parameters: generator.namedParameters(prefix: "generator")),
                   Player(name: "discriminator", parameters: discriminator.namedParameters(prefix: "discriminator"))]
    }

    /// [generator loss, discriminator loss].
    public func losses(on batch: Batch) -> [Variable] {
        let fake = generator(Variable(batch.noise))
        let (generatorLoss, discriminatorLoss) = objective.losses(
            realLogits: discriminator(Variable(batch.real)), fakeLogits: discriminator(fake))
        return [generatorLoss, discriminatorLoss]
    }

    /// Generated samples for `noise` (a plain tensor; the graph of the call is dropped at once).
    public func sample(noise: Tensor) -> Tensor {
        generator(noise)
    }
}
