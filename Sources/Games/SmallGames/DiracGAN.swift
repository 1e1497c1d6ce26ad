import Autodiff
import Layers
import Tensors

/// The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually
/// converge?", §2): the data distribution is δ₀, the generator G(z) = θ ignores its input, the
/// discriminator is D(x) = ψx. The equilibrium is (θ, ψ) = (0, 0), where the Jacobian of the
/// unregularised field has purely imaginary eigenvalues: simultaneous and alternating gradient
/// steps circle or spiral out, which R1 (or consensus) repairs. Players: [generator θ,
/// discriminator ψ], losses from a ``GANObjective`` on the logits D(0) = 0 and D(θ) = ψθ, plus an
/// optional ``DiscriminatorPenalty`` (R1 = (γ/2)ψ²).
public final class DiracGAN: DifferentiableGame {
    public typealias Batch = Void
    public let objective: GANObjective
    public let penalty: DiscriminatorPenalty
    public let theta: Parameter
    public let psi: Parameter
    public let players: [Player]

    public init(objective: GANObjective = .standard, penalty: DiscriminatorPenalty = .none,
                start: (theta: Double, psi: Double) = (1, 1)) {
        self.objective = objective
        self.penalty = penalty
        theta = Parameter(Tensor(shape: [1, 1], scalars: [start.theta]))
        psi = Parameter(Tensor(shape: [1, 1], scalars: [start.psi]))
        players = [Player(name: "generator", parameters: [NamedParameter(name: "generator.theta", parameter: theta)]),
                   Player(name: "discriminator", parameters: [NamedParameter(name: "discriminator.psi", parameter: psi)])]
    }

    public func losses(on batch: Void) -> [Variable] {
        let discriminator = { (x: Variable) in x.matmul(self.psi.variable) }
        let real = Tensor.zeros([1, 1], dtype: .float64)
        let (generatorLoss, discriminatorLoss) = objective.losses(realLogits: discriminator(Variable(real)),
                                                                  fakeLogits: discriminator(theta.variable))
        let regularizer = penalty.value(discriminator: discriminator, real: real, fake: theta.value,
                                        interpolation: penalty.needsInterpolation
                                            ? Tensor.uniform([1, 1], dtype: .float64, using: &interpolationRandom) : nil)
        return [generatorLoss, regularizer.map { discriminatorLoss + $0 } ?? discriminatorLoss]
    }

    /// The stream WGAN-GP's interpolation coefficients come from (fixed, so runs repeat).
    private var interpolationRandom = RandomGenerator(seed: 0, stream: 9)
}
