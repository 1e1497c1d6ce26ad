import Autodiff
import Layers
import StepRules
import Tensors

/// What one iteration of a game optimizer measured, on the batch its update used.
public struct StepReport: Sendable {
    /// Each player's loss, in player order.
    public let losses: [Double]
    /// ‖v‖ = ‖ξ‖, the norm of the simultaneous gradient of the losses.
    public let fieldNorm: Double

    public init(losses: [Double], fieldNorm: Double) {
        self.losses = losses
        self.fieldNorm = fieldNorm
    }
}

/// A method for playing a game: how the players' update directions are formed from their
/// gradients. The step itself (SGD, RMSProp, Adam) is a ``StepRule`` per player, so every method
/// composes with every step rule.
public protocol GameOptimizer {
    /// One iteration. `nextBatch` returns a fresh minibatch each call: simultaneous methods call
    /// it once, alternating methods once per player update.
    mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport

    /// The step rule of each player (one per player, or one shared by all).
    var stepRules: [any StepRule] { get }
}

extension GameOptimizer {
    /// One iteration of a game that needs no data.
    public mutating func step<Game: DifferentiableGame>(_ game: Game) -> StepReport where Game.Batch == Void {
        step(game, nextBatch: {})
    }

    /// The step rule that moves `player`.
    public func stepRule(forPlayer player: Int) -> any StepRule {
        stepRules.count == 1 ? stepRules[0] : stepRules[player]
    }

    /// Moves every parameter of `players` along −direction with its player's step rule. All
    /// directions are computed before any parameter is written.
    func apply(_ directions: [[Tensor]], to game: some DifferentiableGame, players: [Int]? = nil) {
        for (position, player) in (players ?? Array(game.players.indices)).enumerated() {
            let rule = stepRule(forPlayer: player)
            let offset = game.firstSlot(ofPlayer: player)
            for (index, named) in game.players[player].parameters.enumerated() {
                named.parameter.value = rule.updated(named.parameter.value, gradient: directions[position][index],
                                                     slot: offset + index)
            }
        }
    }
}

/// √(Σ‖tᵢ‖²) over nested lists of tensors, in Double.
func norm(_ tensors: [[Tensor]]) -> Double {
    tensors.joined().reduce(0) { $0 + $1.squaredNorm() }.squareRoot()
}

/// The values of the losses, in Double.
func values(_ losses: [Variable]) -> [Double] {
    losses.map { $0.value.item }
}

/// The tensors of nested gradient variables.
func tensors(_ gradients: [[Variable]]) -> [[Tensor]] {
    gradients.map { $0.map(\.value) }
}
