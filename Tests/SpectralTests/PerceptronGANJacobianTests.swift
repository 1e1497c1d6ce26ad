import Autodiff
import Games
import Layers
import Spectral
import Testing
import Tensors

/// The per-sample layer recursions of ``GameJacobian`` for a GAN of two perceptrons against the
/// field's columns pushed through the autodiff engine.
@Suite struct PerceptronGANJacobianTests {
    /// Two minibatches with more real than generated samples.
    func batches(count: Int = 2, using generator: inout RandomGenerator) -> [GenerativeAdversarialGame.Batch] {
        (0..<count).map { _ in
            GenerativeAdversarialGame.Batch(real: Tensor.normal([9, 2], dtype: .float64, using: &generator),
                                            noise: Tensor.normal([6, 3], dtype: .float64, using: &generator))
        }
    }

    /// The largest entry of the field's Jacobian averaged over `batches`, and the largest
    /// difference from `jacobian`.
    func compare(_ jacobian: GameJacobian, game: GenerativeAdversarialGame, batches: [GenerativeAdversarialGame.Batch])
        -> (largest: Double, worst: Double) {
        let targets = game.allParameters.map(\.parameter.variable)
        var expected = [Double](repeating: 0, count: jacobian.matrix.elements.count)
        for batch in batches {
            for (index, value) in Autodiff.jacobian(of: game.recordedField(on: batch), wrt: targets).doubles.enumerated() {
                expected[index] += value / Double(batches.count)
            }
        }
        return (expected.map(Swift.abs).max()!, zip(jacobian.matrix.elements, expected).map { Swift.abs($0 - $1) }.max()!)
    }

    /// Activations with curvature (tanh, softplus, sigmoid: the φ″ term of the backward tangent)
    /// and without (ReLU), and every objective (the logits' ℓ″, zero for the linear ones), on
    /// networks of three layers each.
    @Test(arguments: GANObjective.allCases)
    func equalsTheFieldsColumns(objective: GANObjective) {
        for (generatorActivation, discriminatorActivation) in [(Activation.Function.tanh, Activation.Function.softplus),
                                                              (.relu, .sigmoid), (.leakyReLU(slope: 0.2), .tanh)] {
            var generator = RandomGenerator(seed: 11)
            let game = GenerativeAdversarialGame(
                generator: MultilayerPerceptron(sizes: [3, 5, 4, 2], activation: generatorActivation, dtype: .float64,
                                                using: &generator),
                discriminator: MultilayerPerceptron(sizes: [2, 4, 5, 1], activation: discriminatorActivation, dtype: .float64,
                                                    using: &generator),
                objective: objective)
            let batches = batches(using: &generator)
            let jacobian = GameJacobian(game: game, batches: batches)
            #expect(jacobian.assembly == .perceptronLayers)
            let (largest, worst) = compare(jacobian, game: game, batches: batches)
            #expect(largest > 0.01 && worst <= 1e-13 * largest,
                    "\(objective) \(generatorActivation)/\(discriminatorActivation): largest \(largest), difference \(worst)")
        }
    }

    /// A one-layer discriminator (its only layer is both the first and the output one) and a
    /// one-layer generator.
    @Test func singleLayerNetworks() {
        var generator = RandomGenerator(seed: 12)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 2], dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 1], dtype: .float64, using: &generator))
        let batches = batches(using: &generator)
        let jacobian = GameJacobian(game: game, batches: batches)
        #expect(jacobian.assembly == .perceptronLayers)
        let (largest, worst) = compare(jacobian, game: game, batches: batches)
        #expect(largest > 0.01 && worst <= 1e-13 * largest, "largest \(largest), difference \(worst)")
    }

    /// A gradient penalty, or a network that is not a perceptron, leaves the engine's ways; so
    /// does asking for them.
    @Test func otherGamesFallBackToTheEngine() {
        var generator = RandomGenerator(seed: 13)
        let penalized = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 4, 2], activation: .tanh, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], activation: .tanh, dtype: .float64, using: &generator),
            penalty: .r1(weight: 0.5))
        let batches = batches(count: 1, using: &generator)
        #expect(GameJacobian(game: penalized, batches: batches).assembly == .lossHessians)
        let sequential = GenerativeAdversarialGame(
            generator: Sequential([Linear(inputSize: 3, outputSize: 2, dtype: .float64, using: &generator)]),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], dtype: .float64, using: &generator))
        #expect(GameJacobian(game: sequential, batches: batches).assembly == .lossHessians)
        let plain = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 4, 2], dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], dtype: .float64, using: &generator))
        #expect(GameJacobian(game: plain, batches: batches, preferring: .lossHessians).assembly == .lossHessians)
        #expect(GameJacobian(game: plain, batches: batches, preferring: .fieldColumns).assembly == .fieldColumns)
    }
}
