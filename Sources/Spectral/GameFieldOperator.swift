import Autodiff
import Games
import Tensors

/// x ↦ v′(x̄)·x for a game's field at the current parameters, averaged over minibatches, without
/// forming the matrix: one forward-mode Jacobian-vector product per minibatch through the
/// recorded field.
/// The operator for ``ArnoldiEigenvalues`` on networks too large for a dense Jacobian.
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

    /// The averaged product v′·x.
    public func apply(_ x: [Double]) -> [Double] {
        precondition(x.count == dimension, "GameFieldOperator: vector of \(x.count) for dimension \(dimension)")
        var offset = 0
        let tangents = zip(shapes, targets).map { shape, target -> Tensor in
            let count = shape.reduce(1, *)
            defer { offset += count }
            return Tensor(shape: shape, scalars: Array(x[offset..<(offset + count)])).converted(to: target.dtype)
        }
        var sum = [Double](repeating: 0, count: dimension)
        for field in fields {
            let product = jacobianVectorProduct(of: [field], wrt: targets, tangents: tangents)[0].value.doubles
            for index in 0..<dimension { sum[index] += product[index] }
        }
        let scale = 1 / Double(max(fields.count, 1))
        return sum.map { $0 * scale }
    }
}
