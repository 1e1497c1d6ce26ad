import Autodiff
import StepRules
import Tensors

/// Simultaneous steps with each player's gradient clipped to global norm at most `maxNorm`
/// (the reference's `clip`, with γ as the norm): ξ_p ← ξ_p · min(1, maxNorm / ‖ξ_p‖).
public struct ClippedGradientDescent: GameOptimizer {
    public let stepRules: [any StepRule]
    public let maxNorm: Double

    public init(maxNorm: Double, stepRules: [any StepRule]) {
        self.maxNorm = maxNorm
        self.stepRules = stepRules
    }

    public mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport {
        let losses = game.losses(on: nextBatch())
        let field = tensors(game.simultaneousGradient(of: losses))
        let clipped = field.map { player -> [Tensor] in
            let playerNorm = norm([player])
            guard playerNorm > maxNorm else { return player }
            return player.map { $0 * (maxNorm / playerNorm) }
        }
        apply(clipped, to: game)
        return StepReport(losses: values(losses), fieldNorm: norm(field))
    }
}
