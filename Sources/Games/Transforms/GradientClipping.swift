import StepRules
import Tensors

/// Each player's direction clipped to global norm at most `maxNorm` (the reference's `clip`,
/// with γ as the norm): d_p ← d_p · min(1, maxNorm / ‖d_p‖).
public struct GradientClipping: DirectionTransform {
    public let maxNorm: Double

    public init(maxNorm: Double) {
        self.maxNorm = maxNorm
    }

    public var needsRecordedGradients: Bool { false }

    public func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                          state: inout OptimizerState) -> [[Tensor]] {
        directions.map { player in
            let playerNorm = norm([player])
            guard playerNorm > maxNorm else { return player }
            return player.map { $0 * (maxNorm / playerNorm) }
        }
    }
}
