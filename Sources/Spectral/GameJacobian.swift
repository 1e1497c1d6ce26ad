import Autodiff
import Games
import Tensors

/// The exact Jacobian v′(x) of a game's gradient vector field v = (∇_φ f, ∇_θ g) = −ξ at the
/// current parameters, averaged over minibatches and accumulated in Double.
///
/// Rows and columns follow the game's player order (for a GAN: generator first, as in the
/// paper's figures), each player's parameters in order, each tensor flattened row-major. The
/// columns come in blocks of unit tangents pushed forward through recorded gradients together
/// (``Autodiff/jacobian(of:wrt:skipping:)``): exact to the precision of the parameters' dtype,
/// with no finite differences (the reference notebook's Jacobian loop kept only one row per
/// parameter tensor).
///
/// Player i's rows are −∇²ℓᵢ restricted to its own parameters' rows, and a Hessian is symmetric:
/// so they are read off the columns of ∇²ℓᵢ for player i's own parameters, found by pushing only
/// those columns forward through the gradient of ℓᵢ with respect to every parameter, and of the
/// player's own block only the half where a row's tensor comes after the column's (the half that
/// stops the walk early: rows of earlier layers need the backward pass carried further). On the
/// paper's MoG field that is 11.5 GFLOP per minibatch against 15.6 for pushing every column
/// through the field. An operation whose gradient rule is not its derivative (a straight-through
/// estimator) breaks the symmetry — a value detached from the graph does not, it is a constant of
/// the recorded loss — so one Jacobian-vector product of the field on the first minibatch checks
/// it, and the field's columns are pushed instead where it fails (``assembly``).
///
/// For a GAN between two multilayer perceptrons, the paper's MoG game, none of this runs: the
/// matrix comes from per-sample recursions through the layers, one walk per unit of a layer for
/// all of its weights (``Assembly/perceptronLayers``), in float64 whatever the parameters' dtype.
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
    /// How the matrix was found.
    public let assembly: Assembly

    /// The ways ``GameJacobian`` finds the matrix, fastest first; each applies where the one
    /// before it does not.
    public enum Assembly: String, Codable, Sendable, CaseIterable {
        /// A GAN between two multilayer perceptrons: per-sample recursions through the layers,
        /// one walk per unit of a layer for all of its weights (``PerceptronGANJacobian``).
        case perceptronLayers = "perceptron layers"
        /// Any game whose recorded gradients are derivatives: half of each player's loss Hessian
        /// from blocks of tangents pushed through the engine, the rest by symmetry.
        case lossHessians = "loss Hessians"
        /// Any game: every column of the field pushed through the engine.
        case fieldColumns = "field columns"
    }

    /// The Jacobian of `game`'s field, averaged over `batches`, by the first way from `preferred`
    /// on that applies to the game; `progress` gets the number of minibatches done after each.
    public init<Game: DifferentiableGame>(game: Game, batches: [Game.Batch], preferring preferred: Assembly = .perceptronLayers,
                                          progress: ((Int) -> Void)? = nil) {
        blocks = GameJacobian.blocks(of: game)
        batchCount = batches.count
        let n = blocks.last?.range.upperBound ?? 0
        if preferred == .perceptronLayers, let layered = PerceptronGANJacobian(game: game),
           let batches = batches as? [GenerativeAdversarialGame.Batch] {
            matrix = Matrix(rows: n, columns: n, elements: GameJacobian.mean(of: layered.jacobianSum(over: batches, progress: progress),
                                                                            count: batches.count))
            assembly = .perceptronLayers
            return
        }
        // Σ over minibatches from 0 (so −0 becomes +0 as it always has), then the mean, in place.
        var sum = [Double](repeating: 0, count: n * n)
        let targets = game.allParameters.map(\.parameter.variable)
        var tensorOfElement: [Int] = []
        for (tensor, target) in targets.enumerated() { tensorOfElement += Array(repeating: tensor, count: target.count) }
        var fromHessians = preferred != .fieldColumns
        sum.withUnsafeMutableBufferPointer { total in
            for (index, batch) in batches.enumerated() {
                if fromHessians {
                    GameJacobian.addLossHessianRows(of: game, targets: targets, tensorOfElement: tensorOfElement, on: batch,
                                                    into: total.baseAddress!)
                    // After the first minibatch the sum is its Jacobian.
                    fromHessians = index > 0
                        || GameJacobian.field(of: game, targets: targets, on: batch, agreesWith: UnsafeBufferPointer(total))
                    if !fromHessians { total.update(repeating: 0) }
                }
                if !fromHessians {
                    jacobian(of: game.recordedField(on: batch), wrt: targets).withUnsafeBufferPointer(as: Double.self) { values in
                        for element in 0..<(n * n) { total[element] += values[element] }
                    }
                }
                progress?(index + 1)
            }
        }
        matrix = Matrix(rows: n, columns: n, elements: GameJacobian.mean(of: sum, count: batches.count))
        assembly = fromHessians ? .lossHessians : .fieldColumns
    }

    /// `sum` / `count` (a sum of no minibatches stays zero).
    private static func mean(of sum: [Double], count: Int) -> [Double] {
        var mean = sum
        let scale = 1 / Double(Swift.max(count, 1))
        for element in mean.indices { mean[element] *= scale }
        return mean
    }

    /// Adds J on one minibatch to `total` (n × n, n = `tensorOfElement.count`) from the players'
    /// loss Hessians: with Hᵢ = ∇²ℓᵢ and player i's coordinates Pᵢ, J[a, b] = −Hᵢ[b, a] = −Hᵢ[a, b]
    /// for a ∈ Pᵢ. `targets` are the game's parameters and `tensorOfElement` the index of the one
    /// holding each coordinate.
    private static func addLossHessianRows<Game: DifferentiableGame>(
        of game: Game, targets: [Variable], tensorOfElement: [Int], on batch: Game.Batch,
        into total: UnsafeMutablePointer<Double>
    ) {
        let n = tensorOfElement.count
        var (firstTensor, first) = (0, 0)
        for (player, loss) in zip(game.players, game.losses(on: batch)) {
            let own = firstTensor..<(firstTensor + player.parameters.count)
            let width = player.parameterCount
            // Hᵢ[:, Pᵢ]ᵀ, width × n: row c is the column of Hᵢ for coordinate first + c. Own rows
            // of an earlier tensor than the column's are skipped (left zero).
            let columns = jacobian(of: gradients(of: loss, wrt: targets, createGraph: true), wrt: Array(targets[own]),
                                   transposed: true,
                                   skipping: { output, target in own.contains(output) && output < own.lowerBound + target })
            columns.withUnsafeBufferPointer(as: Double.self) { h in
                for column in 0..<width {
                    let a = first + column
                    let (source, row) = (h.baseAddress! + column * n, total + a * n)
                    // J[a, :] += −Hᵢ[:, a] (a skipped entry adds −0, which changes nothing) …
                    for b in 0..<n { row[b] -= source[b] }
                    // … and where b's tensor comes before a's (skipped in a's column), −Hᵢ[a, b]
                    // from b's column.
                    var b = first
                    while b < first + width && tensorOfElement[b] < tensorOfElement[a] {
                        row[b] -= h[(b - first) * n + a]
                        b += 1
                    }
                }
            }
            firstTensor = own.upperBound
            first += width
        }
    }

    /// Whether `matrix`·u equals the field's Jacobian-vector product on `batch` for a fixed
    /// random u, to a few thousand rounding errors of the parameters' dtype relative to ‖J‖‖u‖.
    private static func field<Game: DifferentiableGame>(of game: Game, targets: [Variable], on batch: Game.Batch,
                                                        agreesWith matrix: UnsafeBufferPointer<Double>) -> Bool {
        guard let dtype = targets.first?.dtype else { return true }
        var generator = RandomGenerator(seed: 0x5EED)
        let probes = targets.map { Tensor.normal($0.shape, dtype: .float64, using: &generator) }
        let u = probes.flatMap(\.doubles)
        let product = jacobianVectorProduct(of: [game.recordedField(on: batch)], wrt: targets, tangents: probes)[0].value.doubles
        let n = u.count
        var (error, matrixNorm) = (0.0, 0.0)
        for row in 0..<n {
            var sum = 0.0
            for column in 0..<n {
                let entry = matrix[row * n + column]
                sum += entry * u[column]
                matrixNorm += entry * entry
            }
            error += (sum - product[row]) * (sum - product[row])
        }
        let uNorm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let tolerance = 4096 * (dtype == .float64 ? Double.ulpOfOne : Double(Float.ulpOfOne))
        return error.squareRoot() <= tolerance * matrixNorm.squareRoot() * uNorm
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
    ///
    /// JᵀJ is symmetric, so only its tiles on and above the diagonal are multiplied (half the
    /// work of the whole product) and the rest mirrored: each entry is the same chain of
    /// multiply-adds over the rows of J either way, so the bits are those of the whole product.
    public func consensusMatrix(gamma: Double) -> Matrix {
        let n = matrix.rows
        var gram = [Double](repeating: 0, count: n * n)
        let tiles = stride(from: 0, to: n, by: GameJacobian.gramTile).map { $0..<Swift.min($0 + GameJacobian.gramTile, n) }
        matrix.elements.withUnsafeBufferPointer { j in
            gram.withUnsafeMutableBufferPointer { g in
                let (j, g) = (j.baseAddress!, g.baseAddress!)
                for (index, rows) in tiles.enumerated() {
                    for columns in tiles[index...] {
                        // Gram[rows, columns] = J[:, rows]ᵀ · J[:, columns].
                        RawMatrixProduct.multiply(m: rows.count, n: columns.count, k: n, a: j + rows.lowerBound, aRowStride: 1,
                                                  aColumnStride: n, b: j + columns.lowerBound, bRowStride: n, bColumnStride: 1,
                                                  c: g + rows.lowerBound * n + columns.lowerBound, ldc: n)
                    }
                    for row in rows {
                        for column in 0..<rows.lowerBound { g[row * n + column] = g[column * n + row] }
                    }
                }
            }
        }
        return Matrix(rows: n, columns: n, elements: zip(matrix.elements, gram).map { $0 - $1 * gamma })
    }

    /// Rows and columns of JᵀJ per tile of ``consensusMatrix(gamma:)``: products of 256 × 256
    /// by the whole depth still run at full speed on both cores, and the tiles below the
    /// diagonal that are skipped are nearly half of the matrix.
    static let gramTile = 256
}
