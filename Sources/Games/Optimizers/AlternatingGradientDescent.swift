import Autodiff
import StepRules
import Tensors

/// AltGD: players move one after the other, each for a number of steps, every step on a fresh
/// batch and at the parameters the previous updates left. The reference's `altgd` moves the
/// discriminator first, then the generator, one step each.
public struct AlternatingGradientDescent: GameOptimizer {
    public let stepRules: [any StepRule]
    /// The order in which players move (indices into the game's players).
    public let order: [Int]
    /// Steps per turn of each player (indexed by player).
    public let stepsPerTurn: [Int]

    /// - Parameters:
    ///   - order: the players in the order they move; for a GAN `[1, 0]`, discriminator first.
    ///   - stepsPerTurn: steps per player per iteration, indexed by player (default 1 each).
    public init(stepRules: [any StepRule], order: [Int] = [1, 0], stepsPerTurn: [Int]? = nil) {
        self.stepRules = stepRules
        self.order = order
        self.stepsPerTurn = stepsPerTurn ?? [Int](repeating: 1, count: (order.max() ?? 0) + 1)
    }

    public mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport {
        var losses = [Double](repeating: .nan, count: game.players.count)
        var squaredNorms = [Double](repeating: 0, count: game.players.count)
        for player in order {
            for _ in 0..<stepsPerTurn[player] {
                let evaluated = game.losses(on: nextBatch())
                let loss = evaluated[player]
                let gradient = gradients(of: loss, wrt: game.players[player].parameters.map(\.parameter.variable))
                let direction = gradient.map(\.value)
                apply([direction], to: game, players: [player])
                losses[player] = loss.value.item
                squaredNorms[player] = Double.pow(norm([direction]), 2)
            }
        }
        return StepReport(losses: losses, fieldNorm: squaredNorms.reduce(0, +).squareRoot())
    }
}
