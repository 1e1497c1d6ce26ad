import Tensors

/// The conjugate gradient method (Hestenes & Stiefel 1952) on vectors stored as lists of
/// tensors (a player's parameters), for systems given only by their products.
struct ConjugateGradient {
    /// Stop when ‖residual‖ ≤ tolerance·‖right-hand side‖.
    let tolerance: Double
    let maximumIterations: Int

    /// Solves S x = b for symmetric positive definite S, from x = 0.
    func solve(_ system: ([Tensor]) -> [Tensor], rightHandSide b: [Tensor]) -> [Tensor] {
        var x = b.map { Tensor.zeros(like: $0) }
        var residual = b
        var direction = b
        var residualSquared = dot(residual, residual)
        let target = tolerance * tolerance * residualSquared
        for _ in 0..<maximumIterations where residualSquared > target && residualSquared > 0 {
            let product = system(direction)
            let curvature = dot(direction, product)
            guard curvature > 0 else { break }
            let step = residualSquared / curvature
            x = zip(x, direction).map { $0 + $1 * step }
            residual = zip(residual, product).map { $0 - $1 * step }
            let next = dot(residual, residual)
            direction = zip(residual, direction).map { $0 + $1 * (next / residualSquared) }
            residualSquared = next
        }
        return x
    }

    /// Solves M x = b for any nonsingular M given its products with M and Mᵀ, as CG on the normal
    /// equations MᵀM x = Mᵀb (CGNR).
    func solveNormalEquations(_ system: @escaping ([Tensor]) -> [Tensor], transposed: @escaping ([Tensor]) -> [Tensor],
                              rightHandSide b: [Tensor]) -> [Tensor] {
        solve({ transposed(system($0)) }, rightHandSide: transposed(b))
    }

    private func dot(_ a: [Tensor], _ b: [Tensor]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 * $1.1).sum().item }
    }
}
