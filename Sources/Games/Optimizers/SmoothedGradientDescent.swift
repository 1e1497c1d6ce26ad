import Autodiff
import StepRules
import Tensors

/// Only one player is regularised (the reference's `smooth`): the discriminator descends
/// ∇_φ ℓ_φ + γ∇_φ ½‖∇_θ ℓ_θ‖², penalising how steep it makes the generator's loss; the
/// generator takes plain steps. Indices default to the GAN layout [generator, discriminator].
public struct SmoothedGradientDescent: GameOptimizer {
    public let stepRules: [any StepRule]
    public let gamma: Double
    /// The player whose direction gets the penalty (the discriminator).
    public let regularizedPlayer: Int
    /// The player whose gradient norm is penalised (the generator).
    public let penalizedPlayer: Int

    public init(gamma: Double, stepRules: [any StepRule], regularizedPlayer: Int = 1, penalizedPlayer: Int = 0) {
        self.gamma = gamma
        self.stepRules = stepRules
        self.regularizedPlayer = regularizedPlayer
        self.penalizedPlayer = penalizedPlayer
    }

    public mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport {
        let losses = game.losses(on: nextBatch())
        let field = game.simultaneousGradient(of: losses, createGraph: true)
        var directions = tensors(field)
        let penalty = ConsensusOptimization.regularizer([field[penalizedPlayer]])
        let regularized = game.players[regularizedPlayer].parameters.map(\.parameter.variable)
        let penaltyGradient = gradients(of: penalty, wrt: regularized)
        directions[regularizedPlayer] = zip(directions[regularizedPlayer], penaltyGradient).map { $0 + $1.value * gamma }
        apply(directions, to: game)
        return StepReport(losses: values(losses), fieldNorm: norm(tensors(field)))
    }
}
