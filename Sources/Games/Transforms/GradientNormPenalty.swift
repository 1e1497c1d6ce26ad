import StepRules
import Tensors

/// One player is penalised for how steep another's loss is: player `player` adds
/// weight·∇_player ½‖ξ_penalized‖² to its direction, the others move as they were.
///
/// - ``smoothing(gamma:)`` — the reference's `smooth`: the discriminator (player 1) descends
///   ∇_φ ℓ_φ + γ∇_φ ½‖∇_θ ℓ_θ‖², penalising how steep it makes the generator's loss.
/// - ``nagarajanKolter(eta:)`` — Nagarajan & Kolter (2017), "Gradient descent GAN optimization
///   is locally stable": the generator (player 0) minimises its loss + η‖∇_φ ℓ_φ‖², i.e. adds
///   2η∇_θ ½‖ξ_φ‖².
public struct GradientNormPenalty: DirectionTransform {
    /// The player whose direction gets the penalty.
    public let player: Int
    /// The player whose gradient norm is penalised.
    public let penalized: Int
    public let weight: Double

    public init(player: Int, penalized: Int, weight: Double) {
        self.player = player
        self.penalized = penalized
        self.weight = weight
    }

    /// The reference's `smooth` on a GAN [generator, discriminator].
    public static func smoothing(gamma: Double) -> GradientNormPenalty {
        GradientNormPenalty(player: 1, penalized: 0, weight: gamma)
    }

    /// Nagarajan & Kolter's generator regulariser on a GAN [generator, discriminator].
    public static func nagarajanKolter(eta: Double) -> GradientNormPenalty {
        GradientNormPenalty(player: 0, penalized: 1, weight: 2 * eta)
    }

    public var needsRecordedGradients: Bool { weight != 0 }

    public func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                          state: inout OptimizerState) -> [[Tensor]] {
        guard weight != 0 else { return directions }
        let penalty = evaluation.halfSquaredNormGradient(of: [penalized], forPlayers: [player])[0]
        var result = directions
        result[player] = zip(directions[player], penalty).map { $0 + $1 * weight }
        return result
    }
}
