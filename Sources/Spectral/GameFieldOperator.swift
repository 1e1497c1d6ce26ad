import Autodiff
import Games
import Tensors

/// x ↦ v′(x̄)·x for a game's field at the current parameters, averaged over minibatches, without
/// forming the matrix: one forward-mode Jacobian-vector product per minibatch through the
/// recorded field; and x ↦ (v′ − γv′ᵀv′)·x, the Jacobian of consensus optimization's field,
/// with one vector-Jacobian product more.
/// The operators for ``ArnoldiEigenvalues`` on networks too large for a dense Jacobian.
public final class GameFieldOperator {
    /// n, the number of parameters.
    public let dimension: Int
    private let fields: [Variable]
    private let targets: [Variable]
    private let shapes: [[Int]]

    /// Records the field of `game` on each batch once; products reuse the recorded graphs.
    public init<Game: DifferentiableGame>(game: Game, batches: [Game.Batch]) {
        targets = game.allParameters.map(\.parameter.variable)
        shapes = game.allParameters.map(\.parameter.shape)
        dimension = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        fields = batches.map(game.recordedField(on:))
    }

    /// The averaged product v̄′·x.
    public func apply(_ x: [Double]) -> [Double] {
        average { field in jacobianVectorProduct(of: [field], wrt: targets, tangents: split(x))[0].value.doubles }
    }

    /// (v̄′ − γv̄′ᵀv̄′)·x, with v̄′ the averaged Jacobian (as the dense analysis forms it).
    public func applyConsensus(_ x: [Double], gamma: Double) -> [Double] {
        let product = apply(x)
        let cotangent = Tensor(shape: [dimension], scalars: product).converted(to: targets.first?.dtype ?? .float64)
        let back = average { field in
            vectorJacobianProduct(of: [field], wrt: targets, cotangents: [cotangent]).flatMap { $0.value.doubles }
        }
        return zip(product, back).map { $0 - gamma * $1 }
    }

    /// `x` cut into tensors of the parameters' shapes and dtype.
    private func split(_ x: [Double]) -> [Tensor] {
        precondition(x.count == dimension, "GameFieldOperator: vector of \(x.count) for dimension \(dimension)")
        var offset = 0
        return zip(shapes, targets).map { shape, target -> Tensor in
            let count = shape.reduce(1, *)
            defer { offset += count }
            return Tensor(shape: shape, scalars: Array(x[offset..<(offset + count)])).converted(to: target.dtype)
        }
    }

    /// The mean over the recorded fields of `product`.
    private func average(_ product: (Variable) -> [Double]) -> [Double] {
        var sum = [Double](repeating: 0, count: dimension)
        for field in fields {
            let values = product(field)
            for index in 0..<dimension { sum[index] += values[index] }
        }
        let scale = 1 / Double(max(fields.count, 1))
        return sum.map { $0 * scale }
    }
}
