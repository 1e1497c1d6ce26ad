import Autodiff
import StepRules
import Tensors

/// SimGD: every player steps along its own loss gradient at the same point, x ← x − h·ξ(x)
/// (with the step rule in place of h). The reference's `simgd`.
public struct SimultaneousGradientDescent: GameOptimizer {
    public let stepRules: [any StepRule]

    /// - Parameter stepRules: one rule per player, or a single rule for all.
    public init(stepRules: [any StepRule]) {
        self.stepRules = stepRules
    }

    public init(stepRule: any StepRule) {
        self.init(stepRules: [stepRule])
    }

    public mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport {
        let losses = game.losses(on: nextBatch())
        let directions = tensors(game.simultaneousGradient(of: losses))
        apply(directions, to: game)
        return StepReport(losses: values(losses), fieldNorm: norm(directions))
    }
}
