import StepRules
import Tensors

/// Consensus optimization (Mescheder, Nowozin & Geiger 2017, Algorithm 1).
///
/// Both players follow w(x) = v(x) − γ∇L(x) with L(x) = ½‖v(x)‖²; in loss form each parameter
/// moves along d + γ∇L, where ∇L = v′(x)ᵀv(x) = Hᵀξ is computed exactly by double
/// backpropagation through the recorded gradients, with respect to *all* parameters of every
/// player, on the same minibatch as the losses (the reference implementation's `conopt`). With
/// γ = 0 it is the identity.
public struct Consensus: DirectionTransform {
    /// γ, the weight of the consensus regulariser.
    public let gamma: Double

    public init(gamma: Double) {
        self.gamma = gamma
    }

    public var needsRecordedGradients: Bool { gamma != 0 }

    public func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                          state: inout OptimizerState) -> [[Tensor]] {
        guard gamma != 0 else { return directions }
        let players = Array(directions.indices)
        let regularizer = evaluation.halfSquaredNormGradient(of: players, forPlayers: players)
        return zip(directions, regularizer).map { zip($0, $1).map { $0 + $1 * gamma } }
    }
}
