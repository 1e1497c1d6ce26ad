import Autodiff
import Games
import Layers
import Numerics
import Spectral
import StepRules
import Testing
import Tensors

/// Batch normalization's two modes and running averages, and second order through a small
/// convolutional GAN with batch normalization.
@Suite struct ConvolutionalGameTests {
    let batch: Tensor = {
        var random = RandomGenerator(seed: 4)
        return Tensor.normal([3, 2, 2, 2], mean: 0.5, std: 2, dtype: .float64, using: &random)
    }()

    /// Per-channel mean and biased variance of `batch`, by hand.
    func statistics() -> (mean: [Double], variance: [Double]) {
        let values = batch.doubles
        return ((0..<2).map { channel in
            stride(from: channel, to: values.count, by: 2).map { values[$0] }.reduce(0, +) / 12
        }, (0..<2).map { channel in
            let samples = stride(from: channel, to: values.count, by: 2).map { values[$0] }
            let mean = samples.reduce(0, +) / 12
            return samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
        })
    }

    @Test func runningAveragesFollowEachConvention() {
        let (mean, variance) = statistics()
        let tensorflow = BatchNorm(features: 2, dtype: .float64)
        _ = tensorflow(Variable(batch))
        #expect(zip(tensorflow.runningMean.value.doubles, mean).allSatisfy { abs($0 - 0.001 * $1) < 1e-15 })
        #expect(zip(tensorflow.runningVariance.value.doubles, variance).allSatisfy { abs($0 - (0.999 + 0.001 * $1)) < 1e-15 })
        #expect(tensorflow.batchesTracked.value.item == 1)
        let pytorch = BatchNorm(features: 2, convention: .pytorch(), center: true, scale: true, dtype: .float64)
        _ = pytorch(Variable(batch))
        #expect(zip(pytorch.runningMean.value.doubles, mean).allSatisfy { abs($0 - 0.1 * $1) < 1e-15 })
        #expect(zip(pytorch.runningVariance.value.doubles, variance).allSatisfy { abs($0 - (0.9 + 0.1 * $1 * 12 / 11)) < 1e-14 })
        #expect(pytorch.namedParameters.map(\.name) == ["weight", "bias"] && pytorch.namedBuffers.count == 3)
    }

    /// Training mode normalises by the batch, evaluation mode by the running averages; the
    /// mode reaches layers nested in sequences.
    @Test func modesNormaliseByTheirStatistics() {
        let norm = BatchNorm(features: 2, dtype: .float64)
        let network = Sequential([Sequential([norm])])
        network.setMode(.training(updatesStatistics: false))
        let training = network(Variable(batch)).value
        #expect(norm.batchesTracked.value.item == 0)
        let (mean, variance) = statistics()
        #expect(abs(training[flat: 0] - (batch[flat: 0] - mean[0]) / (variance[0] + 1e-3).squareRoot()) < 1e-12)
        norm.runningMean.value = Tensor([1.0, -1])
        norm.runningVariance.value = Tensor([4.0, 0.25])
        norm.shift!.value = Tensor([0.5, 0])
        network.setMode(.evaluation)
        let evaluation = network(Variable(batch)).value
        #expect(abs(evaluation[flat: 1] - ((batch[flat: 1] + 1) / (0.25 + 1e-3).squareRoot())) < 1e-12)
        #expect(abs(evaluation[flat: 0] - ((batch[flat: 0] - 1) / (4 + 1e-3).squareRoot() + 0.5)) < 1e-12)
    }

    /// A GAN of 8×8 images with convolutions, a transposed convolution and batch normalization
    /// in float64.
    func tinyConvolutionalGAN() -> (GenerativeAdversarialGame, GenerativeAdversarialGame.Batch) {
        var random = RandomGenerator(seed: 5)
        let generator = Sequential([
            Linear(inputSize: 2, outputSize: 4 * 4 * 2, dtype: .float64, using: &random), Unflatten(height: 4, width: 4, channels: 2),
            Activation(.leakyReLU(slope: 0.2)),
            ConvTranspose2D(inputChannels: 2, outputChannels: 1, kernelSize: 3, stride: 2, dtype: .float64, using: &random),
            Activation(.tanh),
        ])
        let discriminator = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 2, bias: false, dtype: .float64, using: &random),
            BatchNorm(features: 2, dtype: .float64), Activation(.leakyReLU(slope: 0.2)), Flatten(),
            Linear(inputSize: 4 * 4 * 2, outputSize: 1, dtype: .float64, using: &random),
        ])
        let game = GenerativeAdversarialGame(generator: generator, discriminator: discriminator)
        game.setMode(.training(updatesStatistics: false))
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.uniform([3, 8, 8, 1], low: -1, high: 1, dtype: .float64, using: &random),
                                                    noise: Tensor.normal([3, 2], dtype: .float64, using: &random))
        return (game, batch)
    }

    /// ConOpt's ∇½‖v‖² by double backpropagation through convolutions, the transposed
    /// convolution and batch statistics equals Jᵀv from the explicit Jacobian; the buffers are
    /// not part of the field.
    @Test func consensusGradientThroughConvolutions() {
        let (game, batch) = tinyConvolutionalGAN()
        let parameters = game.allParameters.map(\.parameter.variable)
        let field = game.simultaneousGradient(of: game.losses(on: batch), createGraph: true)
        let flat = Variable.concatenate(field.joined().map { $0.reshaped([-1]) })
        let n = flat.count
        #expect(n == game.players.reduce(0) { $0 + $1.parameterCount } && !game.buffers.isEmpty)
        let dense = jacobian(of: flat, wrt: parameters).doubles
        let xi = flat.value.doubles
        let expected = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + dense[$1 * n + j] * xi[$1] } }
        let actual = gradients(of: FieldEvaluation.halfSquaredNorm(Array(field.joined())), wrt: parameters).flatMap { $0.value.doubles }
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-10 * max(1, abs($1)) })
        // Forward mode through the same graph: H·u against the dense Jacobian.
        var random = RandomGenerator(seed: 6)
        let u = parameters.map { Tensor.normal($0.shape, dtype: .float64, using: &random) }
        let forward = jacobianVectorProduct(of: [flat], wrt: parameters, tangents: u)[0].value.doubles
        let flatU = u.flatMap(\.doubles)
        let denseProduct = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + dense[i * n + $1] * flatU[$1] } }
        #expect(zip(forward, denseProduct).allSatisfy { abs($0 - $1) < 1e-10 * max(1, abs($1)) })
    }

    /// Every method takes a step on the convolutional GAN.
    @Test func everyTransformStepsTheConvolutionalGAN() {
        for transforms in [[], [Consensus(gamma: 1)], [SymplecticGradientAdjustment()], [CompetitiveGradient()]]
            as [[any DirectionTransform]] {
            let (game, batch) = tinyConvolutionalGAN()
            let before = game.allParameters.map(\.parameter.value)
            let optimizer = GameOptimizer(transforms: transforms, stepRules: [StochasticGradientDescent(learningRate: 0.01)])
            var state = OptimizerState()
            let report = optimizer.step(game, state: &state) { batch }
            #expect(report.losses.allSatisfy(\.isFinite) && report.fieldNorm > 0)
            #expect(zip(game.allParameters, before).contains { !$0.parameter.value.isEqual(to: $1) })
        }
    }

    /// Arnoldi on Jacobian-vector products through convolutions and batch statistics finds the
    /// ends of the dense spectra of v′ and of v′ − γv′ᵀv′.
    @Test func matrixFreeSpectrumMatchesTheDenseOne() throws {
        let (game, batch) = tinyConvolutionalGAN()
        let jacobian = GameJacobian(game: game, batches: [batch])
        let product = GameFieldOperator(game: game, batches: [batch])
        var reports: [(done: Int, most: Int)] = []
        let found = try MatrixFreeSpectrum(product, gamma: 0.5, count: 3, reason: "a test",
                                            krylovDimension: product.dimension, tolerance: 1e-11) { reports.append(($0, $1)) }
        // Progress: one report per product and per finished search, never backwards, ending full.
        let searches = [found.jacobian.largestMagnitude, found.jacobian.largestRealPart,
                        found.consensus.largestMagnitude, found.consensus.largestRealPart]
        #expect(reports.count == searches.reduce(0) { $0 + $1.operatorApplications } + 4)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.done <= $1.done })
        #expect(reports.last.map { $0.done == $0.most && $0.most == 4 * found.krylovDimension } == true)
        for (ends, matrix) in [(found.jacobian, jacobian.matrix), (found.consensus, jacobian.consensusMatrix(gamma: 0.5))] {
            let dense = try EigenDecomposition(matrix).eigenvalues
            let byMagnitude = dense.sorted { $0.length > $1.length }.prefix(4)
            let byRealPart = dense.sorted { $0.real > $1.real }.prefix(4)
            for (search, expected) in [(ends.largestMagnitude, byMagnitude), (ends.largestRealPart, byRealPart)] {
                #expect(search.converged && search.eigenvalues.count == 3)
                for pair in search.eigenvalues {
                    let value = Complex(pair[0], pair[1])
                    #expect(expected.contains { ($0 - value).length < 1e-7 * max(1, value.length) }, "\(value)")
                }
            }
        }
    }
}
