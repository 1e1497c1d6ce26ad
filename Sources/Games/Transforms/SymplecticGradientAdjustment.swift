import StepRules
import Tensors

/// Symplectic gradient adjustment (Balduzzi et al. 2018, "The mechanics of n-player
/// differentiable games", Algorithm 1): with H the Jacobian of the simultaneous gradient ξ and
/// A = ½(H − Hᵀ) its antisymmetric part, every player follows ξ + λAᵀξ, where
/// Aᵀξ = ½(Hᵀξ − Hξ) — Hᵀξ by reverse mode, Hξ by forward mode, both exact.
///
/// With `alignment` the sign of λ follows the paper's rule: λ = sign(⟨ξ, Hᵀξ⟩⟨Aᵀξ, Hᵀξ⟩/d + ε)·|λ|
/// with ε = 0.1 and d the number of parameters, so the adjustment points toward stable fixed
/// points and away from unstable ones. The transform applies to the gradients ξ, whatever the
/// directions before it; put it first when chaining.
public struct SymplecticGradientAdjustment: DirectionTransform {
    public let lambda: Double
    public let alignment: Bool

    public init(lambda: Double = 1, alignment: Bool = true) {
        self.lambda = lambda
        self.alignment = alignment
    }

    public var needsRecordedGradients: Bool { true }

    public func transform(_ directions: [[Tensor]], at evaluation: FieldEvaluation, learningRates: [Double],
                          state: inout OptimizerState) -> [[Tensor]] {
        let xi = evaluation.field
        let transposed = evaluation.transposedProduct(xi.map { $0 })   // Hᵀξ
        let forward = evaluation.product(xi.map { $0 })                // Hξ
        let adjustment = zip(transposed, forward).map { zip($0, $1).map { ($0 - $1) * 0.5 } }  // Aᵀξ
        var scale = lambda
        if alignment {
            let dimension = Double(xi.joined().reduce(0) { $0 + $1.count })
            let sign = inner(xi, transposed) * inner(adjustment, transposed) / dimension + 0.1
            scale = sign >= 0 ? abs(lambda) : -abs(lambda)
        }
        return zip(directions, adjustment).map { zip($0, $1).map { $0 + $1 * scale } }
    }
}
