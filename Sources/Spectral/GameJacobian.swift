import Autodiff
import Games
import Tensors

/// The exact Jacobian v′(x) of a game's gradient vector field v = (∇_φ f, ∇_θ g) = −ξ at the
/// current parameters, averaged over minibatches and accumulated in Double.
///
/// Rows and columns follow the game's player order (for a GAN: generator first, as in the
/// paper's figures), each player's parameters in order, each tensor flattened row-major. The
/// columns come in blocks of unit tangents pushed forward through the recorded gradient together
/// (``Autodiff/jacobian(of:wrt:)``): exact to the precision of the parameters' dtype, with no
/// finite differences (the reference notebook's Jacobian loop kept only one row per parameter
/// tensor).
public struct GameJacobian: Sendable {
    /// A player's rows and columns in the matrix.
    public struct Block: Codable, Sendable, Equatable {
        public let player: String
        public let range: Range<Int>
        /// The player's parameter tensors and their ranges, in order.
        public let parameters: [Parameter]

        public struct Parameter: Codable, Sendable, Equatable {
            public let name: String
            public let range: Range<Int>
        }
    }

    /// J[i, j] = ∂v_i/∂x_j.
    public let matrix: Matrix
    public let blocks: [Block]
    /// The number of minibatches averaged.
    public let batchCount: Int

    /// The Jacobian of `game`'s field, averaged over `batches`; `progress` gets the number of
    /// minibatches done after each.
    public init<Game: DifferentiableGame>(game: Game, batches: [Game.Batch], progress: ((Int) -> Void)? = nil) {
        blocks = GameJacobian.blocks(of: game)
        let n = blocks.last?.range.upperBound ?? 0
        // Σ over minibatches from 0 (so −0 becomes +0 as it always has), then the mean, in place.
        var sum = [Double](repeating: 0, count: n * n)
        let targets = game.allParameters.map(\.parameter.variable)
        sum.withUnsafeMutableBufferPointer { total in
            for (index, batch) in batches.enumerated() {
                jacobian(of: game.recordedField(on: batch), wrt: targets).withUnsafeBufferPointer(as: Double.self) { values in
                    for element in 0..<(n * n) { total[element] += values[element] }
                }
                progress?(index + 1)
            }
            let scale = 1 / Double(Swift.max(batches.count, 1))
            for element in 0..<(n * n) { total[element] *= scale }
        }
        matrix = Matrix(rows: n, columns: n, elements: sum)
        batchCount = batches.count
    }

    /// Where each player's and each parameter's coordinates lie in the field of `game`.
    public static func blocks<Game: DifferentiableGame>(of game: Game) -> [Block] {
        var offset = 0
        return game.players.map { player in
            let start = offset
            let parameters = player.parameters.map { named in
                defer { offset += named.parameter.value.count }
                return Block.Parameter(name: named.name, range: offset..<(offset + named.parameter.value.count))
            }
            return Block(player: player.name, range: start..<offset, parameters: parameters)
        }
    }

    /// The block ∂v_row/∂x_column between two players (by index).
    public func block(row: Int, column: Int) -> Matrix {
        matrix.submatrix(rows: blocks[row].range, columns: blocks[column].range)
    }

    /// J − γJᵀJ, the Jacobian of consensus optimization's field at a stationary point.
    public func consensusMatrix(gamma: Double) -> Matrix {
        let j = matrix.tensor
        return Matrix(j - j.matmul(j, transposingSelf: true) * gamma)
    }
}
