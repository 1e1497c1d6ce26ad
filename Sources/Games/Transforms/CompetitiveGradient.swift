import Foundation
import StepRules
import Tensors

/// Competitive gradient descent (Schäfer & Anandkumar 2019, "Competitive Gradient Descent",
/// general-sum form) for two players x (player 0, loss f) and y (player 1, loss g): each step is
/// the Nash equilibrium of the players' regularised bilinear approximations of the game,
///
///   Δx = −η_x (∇_x f + A Δy),   Δy = −η_y (∇_y g + B Δx),
///
/// with A = D²_xy f = ∂ξ_x/∂y and B = D²_yx g = ∂ξ_y/∂x, both applied exactly as Jacobian-vector
/// products of the recorded gradients (and their transposes as vector-Jacobian products). With
/// Δx = −η_x d_x, Δy = −η_y d_y the directions solve
///
///   d_x + A η_y d_y = r_x,   d_y + B η_x d_x = r_y,
///
/// so (I − A η_y B η_x) d_x = r_x − A η_y r_y (solved by conjugate gradient on the normal
/// equations, which needs no symmetry: general-sum GAN losses give a nonsymmetric matrix) and
/// d_y = r_y − B η_x d_x. r are the incoming directions (the gradients, when CGD comes first).
/// With SGD as step rule, η = its learning rate and the steps are exactly CGD's.
///
/// `adaptive` gives ACGD (Schäfer, Zheng & Anandkumar 2020, "Implicit competitive
/// regularization in GANs", Algorithm 1): η becomes a diagonal of RMSProp-like step sizes
/// η_i = lr·√(1 − β₂ᵗ) / (√v_i + ε), v ← β₂v + (1 − β₂)r², kept in the optimizer state
/// (`acgd_square_avg`, `acgd_step`); the directions returned are scaled so that SGD with
/// learning rate lr takes ACGD's steps.
public struct CompetitiveGradient: DirectionTransform {
    public let adaptive: Bool
    /// The relative residual at which the solve stops.
    public let tolerance: Double
    public let maximumIterations: Int
    public let beta2: Double
    public let epsilon: Double

    public init(adaptive: Bool = false, tolerance: Double = 1e-6, maximumIterations: Int = 50,
                beta2: Double = 0.99, epsilon: Double = 1e-8) {
        self.adaptive = adaptive
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var needsRecordedGradients: Bool { true }

    public var stateNames: [String] { adaptive ? ["acgd_square_avg", "acgd_step"] : [] }

    public func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                          state: inout OptimizerState) -> [[Tensor]] {
        precondition(directions.count == 2, "competitive gradient descent is defined for two players, not \(directions.count)")
        let steps = (0..<2).map { player in
            adaptive ? adaptiveStepSizes(directions[player], names: evaluation.names[player], rate: learningRates[player],
                                         state: &state)
                : directions[player].map { Tensor.scalar(learningRates[player], dtype: $0.dtype) }
        }
        // The products with A = ∂ξ_x/∂y and B = ∂ξ_y/∂x and their transposes.
        let a = { (u: [Tensor]) in evaluation.product([nil, u], forPlayers: [0])[0] }
        let b = { (u: [Tensor]) in evaluation.product([u, nil], forPlayers: [1])[0] }
        let aTransposed = { (w: [Tensor]) in evaluation.transposedProduct([w, nil], forPlayers: [1])[0] }
        let bTransposed = { (w: [Tensor]) in evaluation.transposedProduct([nil, w], forPlayers: [0])[0] }
        let scaled = { (u: [Tensor], player: Int) in zip(u, steps[player]).map { $0 * $1 } }
        // M u = u − A η_y B η_x u and Mᵀ w = w − η_x Bᵀ η_y Aᵀ w.
        let system = { (u: [Tensor]) in subtract(u, a(scaled(b(scaled(u, 0)), 1))) }
        let transposedSystem = { (w: [Tensor]) in subtract(w, scaled(bTransposed(scaled(aTransposed(w), 1)), 0)) }
        let rightHandSide = subtract(directions[0], a(scaled(directions[1], 1)))
        let dx = ConjugateGradient(tolerance: tolerance, maximumIterations: maximumIterations)
            .solveNormalEquations(system, transposed: transposedSystem, rightHandSide: rightHandSide)
        let dy = subtract(directions[1], b(scaled(dx, 0)))
        guard adaptive else { return [dx, dy] }
        // Δ = −η d; SGD with learning rate lr applies −lr·(η/lr)·d.
        return [zip(dx, steps[0]).map { $0 * $1 / learningRates[0] }, zip(dy, steps[1]).map { $0 * $1 / learningRates[1] }]
    }

    /// ACGD's step sizes from the running mean square of `directions`, updated in `state`.
    private func adaptiveStepSizes(_ directions: [Tensor], names: [String], rate: Double,
                                   state: inout OptimizerState) -> [Tensor] {
        zip(directions, names).map { direction, name in
            var entries = state[name]
            let step = Int(entries["acgd_step"]?.item ?? 0) + 1
            let previous = entries["acgd_square_avg"] ?? Tensor.zeros(like: direction)
            let meanSquare = previous * beta2 + direction.squared() * (1 - beta2)
            entries["acgd_square_avg"] = meanSquare
            entries["acgd_step"] = Tensor.scalar(Double(step), dtype: .float64)
            state[name] = entries
            let correction = (1 - Foundation.pow(beta2, Double(step))).squareRoot()
            return Tensor.scalar(rate * correction, dtype: direction.dtype) / (meanSquare.squareRoot() + epsilon)
        }
    }
}

/// a − b, tensor by tensor.
func subtract(_ a: [Tensor], _ b: [Tensor]) -> [Tensor] {
    zip(a, b).map { $0 - $1 }
}
