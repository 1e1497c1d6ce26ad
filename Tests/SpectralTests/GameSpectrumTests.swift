import Autodiff
import Games
import Layers
import Numerics
import Spectral
import Testing
import Tensors

@Suite struct GameSpectrumTests {
    func smallGAN(seed: UInt64 = 1) -> (GenerativeAdversarialGame, [GenerativeAdversarialGame.Batch]) {
        var generator = RandomGenerator(seed: seed)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 4, 2], activation: .tanh, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], activation: .tanh, dtype: .float64, using: &generator))
        let batches = (0..<2).map { _ in
            GenerativeAdversarialGame.Batch(real: Tensor.normal([5, 2], dtype: .float64, using: &generator),
                                            noise: Tensor.normal([5, 3], dtype: .float64, using: &generator))
        }
        return (game, batches)
    }

    /// v = (θ, −φ) for f = φθ: J = [[0, 1], [−1, 0]], eigenvalues ±i, no stable step size;
    /// with consensus γ: −γ ± i, stable below 2γ/(1 + γ²).
    @Test func bilinearGame() throws {
        let phi = Parameter(Tensor([0.3]))
        let theta = Parameter(Tensor([-0.8]))
        let game = FunctionGame(players: [Player(name: "phi", parameters: [phi]), Player(name: "theta", parameters: [theta])]) {
            let f = (phi.variable * theta.variable).sum()
            return [-f, f]
        }
        let jacobian = GameJacobian(game: game, batches: [()])
        #expect(jacobian.matrix.elements == [0, 1, -1, 0])
        #expect(jacobian.blocks.map(\.player) == ["phi", "theta"] && jacobian.blocks[1].range == 1..<2)
        let plain = StabilitySummary(eigenvalues: try EigenDecomposition(jacobian.matrix).eigenvalues, stepSize: 0.1)
        #expect(plain.zeroRealParts == 2 && plain.largestStableStepSize == nil)
        #expect(Swift.abs(plain.worstAmplification! - (1.01).squareRoot()) < 1e-15)
        for gamma in [0.5, 1.0, 10.0] {
            let values = try EigenDecomposition(jacobian.consensusMatrix(gamma: gamma)).eigenvalues
            let summary = StabilitySummary(eigenvalues: values, stepSize: 0.5)
            #expect(summary.positiveRealParts == 0 && summary.zeroRealParts == 0)
            #expect(Swift.abs(summary.largestStableStepSize! - 2 * gamma / (1 + gamma * gamma)) < 1e-14)
            let amplification = Complex(1.0 - 0.5 * gamma, 0.5).length
            #expect(Swift.abs(summary.worstAmplification! - amplification) < 1e-14)
        }
    }

    /// Each row against central differences of the field (in float64).
    @Test func jacobianMatchesFiniteDifferences() {
        let (game, batches) = smallGAN()
        let jacobian = GameJacobian(game: game, batches: [batches[0]])
        let parameters = game.allParameters.map(\.parameter)
        func field() -> [Double] {
            game.simultaneousGradient(of: game.losses(on: batches[0])).joined().flatMap { $0.value.doubles.map { -$0 } }
        }
        let n = jacobian.matrix.rows
        #expect(n == game.players.reduce(0) { $0 + $1.parameterCount })
        var column = 0
        for parameter in parameters {
            for element in 0..<parameter.value.count {
                let original = parameter.value
                func perturbed(_ delta: Double) -> [Double] {
                    var value = original
                    value.withUnsafeMutableBufferPointer(as: Double.self) { $0[element] += delta }
                    parameter.value = value
                    defer { parameter.value = original }
                    return field()
                }
                let h = 1e-6
                let (plus, minus) = (perturbed(h), perturbed(-h))
                for row in 0..<n {
                    let numeric = (plus[row] - minus[row]) / (2 * h)
                    #expect(Swift.abs(jacobian.matrix[row, column] - numeric) < 1e-6 * Swift.max(1, Swift.abs(numeric)))
                }
                column += 1
            }
        }
    }

    /// The Jacobian by blocks of tangents (forward mode) against one reverse-mode pass per row,
    /// on a ReLU GAN whose parameter tensors span several blocks.
    @Test func jacobianByBlocksEqualsRowByRow() {
        var generator = RandomGenerator(seed: 3)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 20, 2], activation: .relu, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 20, 1], activation: .relu, dtype: .float64, using: &generator))
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.normal([6, 2], dtype: .float64, using: &generator),
                                                    noise: Tensor.normal([6, 3], dtype: .float64, using: &generator))
        let targets = game.allParameters.map(\.parameter.variable)
        #expect(targets.contains { $0.count > 2 * JacobianBlocking.columns })
        let field = game.recordedField(on: batch)
        let blocked = jacobian(of: field, wrt: targets)
        let n = field.count
        #expect(blocked.shape == [n, n])
        var largest = 0.0
        var worst = 0.0
        for row in 0..<n {
            var unit = [Double](repeating: 0, count: n)
            unit[row] = 1
            let reverse = vectorJacobianProduct(of: [field], wrt: targets, cotangents: [Tensor(shape: [n], scalars: unit)])
                .flatMap { $0.value.doubles }
            for (column, value) in reverse.enumerated() {
                largest = Swift.max(largest, Swift.abs(value))
                worst = Swift.max(worst, Swift.abs(blocked[row, column] - value))
            }
        }
        #expect(largest > 0.1 && worst <= 1e-13 * largest, "largest entry \(largest), largest difference \(worst)")
    }

    /// The game's Jacobian, assembled from the players' loss Hessians (half of each player's own
    /// block, the rest by symmetry), equals the field's Jacobian pushed column by column, on a
    /// ReLU GAN of several parameter tensors per player, over two minibatches.
    @Test func jacobianFromLossHessiansEqualsTheFieldsColumns() {
        var generator = RandomGenerator(seed: 4)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 20, 20, 2], activation: .relu, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 20, 20, 1], activation: .leakyReLU(slope: 0.2), dtype: .float64,
                                                using: &generator))
        let batches = (0..<2).map { _ in
            GenerativeAdversarialGame.Batch(real: Tensor.normal([7, 2], dtype: .float64, using: &generator),
                                            noise: Tensor.normal([7, 3], dtype: .float64, using: &generator))
        }
        let assembled = GameJacobian(game: game, batches: batches, preferring: .lossHessians)
        #expect(assembled.assembly == .lossHessians)
        let targets = game.allParameters.map(\.parameter.variable)
        let columns = batches.map { jacobian(of: game.recordedField(on: $0), wrt: targets).doubles }
        let expected = zip(columns[0], columns[1]).map { ($0 + $1) / 2 }
        let largest = expected.map(Swift.abs).max()!
        let worst = zip(assembled.matrix.elements, expected).map { Swift.abs($0 - $1) }.max()!
        #expect(largest > 0.1 && worst <= 1e-13 * largest, "largest entry \(largest), largest difference \(worst)")
        // J − γJᵀJ from the tiles of JᵀJ on and above the diagonal (1,043 rows: five tiles) is
        // the whole product's, bit for bit.
        let j = assembled.matrix.tensor
        let whole = j - j.matmul(j, transposingSelf: true) * 0.7
        #expect(assembled.matrix.rows > 4 * 256)
        let differing = zip(assembled.consensusMatrix(gamma: 0.7).elements, whole.doubles).filter { $0.bitPattern != $1.bitPattern }
        #expect(differing.isEmpty, "\(differing.count) entries differ")
    }

    /// A loss whose recorded gradient is not its derivative (a straight-through rule that
    /// passes the seed to one factor unchanged) makes the field's Jacobian unsymmetric: the check
    /// on the first minibatch sees it, and the columns are pushed through the field instead.
    @Test func aGradientThatIsNotADerivativeFallsBackToTheFieldsColumns() {
        struct StraightThroughProduct: DifferentiableOperation {
            func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
                [wanted[0] ? seed * inputs[1] : nil, wanted[1] ? seed : nil]
            }
            func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
                let terms = [tangents[0].map { $0 * inputs[1] }, tangents[1].map { inputs[0] * $0 }].compactMap { $0 }
                return terms.dropFirst().reduce(terms[0], +)
            }
        }
        let phi = Parameter(Tensor([0.3, -0.7]))
        let theta = Parameter(Tensor([1.1, 0.4]))
        let game = FunctionGame(players: [Player(name: "phi", parameters: [phi]), Player(name: "theta", parameters: [theta])]) {
            let product = Variable.recording(phi.value * theta.value, StraightThroughProduct(), phi.variable, theta.variable)
            return [product.sum() + (phi.variable * phi.variable).sum(), product.sum()]
        }
        let jacobian = GameJacobian(game: game, batches: [()])
        #expect(jacobian.assembly == .fieldColumns)
        let field = Autodiff.jacobian(of: game.recordedField(on: ()), wrt: [phi.variable, theta.variable])
        #expect(jacobian.matrix.elements == field.doubles)
    }

    @Test func averagingOverMinibatches() {
        let (game, batches) = smallGAN(seed: 2)
        let mean = GameJacobian(game: game, batches: batches)
        let first = GameJacobian(game: game, batches: [batches[0]])
        let second = GameJacobian(game: game, batches: [batches[1]])
        #expect(mean.batchCount == 2)
        #expect(zip(mean.matrix.elements, zip(first.matrix.elements, second.matrix.elements)).allSatisfy {
            Swift.abs($0 - ($1.0 + $1.1) / 2) < 1e-14
        })
        let generatorRows = mean.block(row: 0, column: 1)
        #expect(generatorRows.rows == game.players[0].parameterCount && generatorRows.columns == game.players[1].parameterCount)
    }

    /// Arnoldi with Jacobian-vector products finds the dense solver's extreme eigenvalues.
    @Test func arnoldiAgreesWithTheDenseSpectrum() throws {
        let (game, batches) = smallGAN(seed: 3)
        let dense = try EigenDecomposition(GameJacobian(game: game, batches: [batches[0]]).matrix).eigenvalues
        let product = GameFieldOperator(game: game, batches: [batches[0]])
        #expect(product.dimension == dense.count)
        let arnoldi = try ArnoldiEigenvalues(dimension: dense.count, count: 4, tolerance: 1e-10, apply: product.apply)
        #expect(arnoldi.converged)
        let largest = dense.sorted { $0.length > $1.length }.prefix(4)
        for value in arnoldi.eigenvalues {
            #expect(largest.contains { ($0 - value).length < 1e-8 * Swift.max(1, value.length) }, "\(value)")
        }
    }

    @Test func arnoldiOnARandomMatrix() throws {
        var generator = RandomGenerator(seed: 9)
        let a = Matrix(Tensor.normal([150, 150], dtype: .float64, using: &generator))
        let dense = try EigenDecomposition(a).eigenvalues
        let apply = { (x: [Double]) -> [Double] in Matrix(a.tensor.matmul(Tensor(shape: [150, 1], scalars: x))).elements }
        for target in ArnoldiEigenvalues.Target.allCases {
            let arnoldi = try ArnoldiEigenvalues(dimension: 150, count: 3, target: target, tolerance: 1e-9, maximumDimension: 150,
                                                 apply: apply)
            let expected = dense.sorted { target == .largestMagnitude ? $0.length > $1.length : $0.real > $1.real }.prefix(3)
            for value in arnoldi.eigenvalues {
                #expect(expected.contains { ($0 - value).length < 1e-6 * value.length }, "\(target) \(value)")
            }
        }
    }
}
