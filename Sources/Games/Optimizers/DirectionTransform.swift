import Autodiff
import StepRules
import Tensors

/// How the players' gradients become update directions: a consensus term, SGA's adjustment,
/// clipping, a competitive solve, a penalty on a gradient norm. A ``GameOptimizer`` applies its
/// transforms in order, each to the directions the previous one produced, so they chain:
/// `[Consensus(gamma: 10), GradientClipping(maxNorm: 1)]` clips the consensus direction.
public protocol DirectionTransform: Sendable {
    /// Whether the transform differentiates the gradients (the evaluation then records them).
    var needsRecordedGradients: Bool { get }

    /// The names of the state the transform keeps per parameter in the optimizer state.
    var stateNames: [String] { get }

    /// The directions (one list of tensors per player, each the shape of its parameter) after
    /// this transform, at the point `evaluation` describes.
    ///
    /// - Parameters:
    ///   - learningRates: each player's step rule's learning rate (CGD's solve depends on it).
    ///   - state: the optimizer state, for transforms that keep running statistics (ACGD).
    func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                   state: inout OptimizerState) -> [[Tensor]]
}
