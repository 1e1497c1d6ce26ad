import Autodiff
import StepRules
import Tensors

/// Consensus optimization (Mescheder, Nowozin & Geiger 2017, Algorithm 1).
///
/// Both players follow w(x) = v(x) − γ∇L(x) with L(x) = ½‖v(x)‖²; in loss form each parameter
/// moves along ξ + γ∇L, where ∇L = v′(x)ᵀv(x) is computed exactly by double backpropagation
/// through the recorded gradients, with respect to *all* parameters of both players, on the same
/// minibatch as the losses. Every gradient is computed before any parameter is written. With
/// γ = 0 this is simultaneous gradient descent.
public struct ConsensusOptimization: GameOptimizer {
    public let stepRules: [any StepRule]
    /// γ, the weight of the consensus regulariser.
    public let gamma: Double

    public init(gamma: Double, stepRules: [any StepRule]) {
        self.gamma = gamma
        self.stepRules = stepRules
    }

    public init(gamma: Double, stepRule: any StepRule) {
        self.init(gamma: gamma, stepRules: [stepRule])
    }

    public mutating func step<Game: DifferentiableGame>(_ game: Game, nextBatch: () -> Game.Batch) -> StepReport {
        let losses = game.losses(on: nextBatch())
        let field = game.simultaneousGradient(of: losses, createGraph: gamma != 0)
        let consensus = ConsensusOptimization.regularizer(field)
        var directions = tensors(field)
        if gamma != 0 {
            let parameters = game.allParameters.map(\.parameter.variable)
            var regularizerGradient = gradients(of: consensus, wrt: parameters).makeIterator()
            directions = directions.map { player in
                player.map { $0 + regularizerGradient.next()!.value * gamma }
            }
        }
        apply(directions, to: game)
        return StepReport(losses: values(losses), fieldNorm: (2 * consensus.value.item).squareRoot())
    }

    /// L = ½‖ξ‖² = ½‖v‖² summed over every tensor of every player.
    public static func regularizer(_ field: [[Variable]]) -> Variable {
        let terms = field.joined().map { $0.squared().sum() }
        guard var total = terms.first else { return Variable(Tensor.scalar(0)) }
        for term in terms.dropFirst() { total = total + term }
        return total * 0.5
    }
}
