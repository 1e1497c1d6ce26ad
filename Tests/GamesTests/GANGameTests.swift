import Autodiff
import Games
import Layers
import StepRules
import Testing
import Tensors

@Suite struct GANGameTests {
    /// A small GAN in float64: generator 3 → 4 → 2, discriminator 2 → 4 → 1.
    func smallGame(seed: UInt64 = 1, objective: GANObjective = .standard) -> (GenerativeAdversarialGame, GenerativeAdversarialGame.Batch) {
        var generator = RandomGenerator(seed: seed)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 4, 2], activation: .tanh, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], activation: .tanh, dtype: .float64, using: &generator),
            objective: objective)
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.normal([6, 2], dtype: .float64, using: &generator),
                                                    noise: Tensor.normal([6, 3], dtype: .float64, using: &generator))
        return (game, batch)
    }

    @Test func parametersHavePyTorchNamesAndLayouts() {
        var generator = RandomGenerator(seed: 0)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [16, 16, 16, 16, 16, 2], using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 16, 16, 16, 16, 1], using: &generator))
        let names = game.allParameters.map(\.name)
        #expect(names.prefix(4) == ["generator.layers.0.weight", "generator.layers.0.bias",
                                    "generator.layers.2.weight", "generator.layers.2.bias"])
        #expect(names.last == "discriminator.layers.8.bias")
        #expect(game.allParameters[0].parameter.shape == [16, 16])
        #expect(game.allParameters.first { $0.name == "discriminator.layers.0.weight" }?.parameter.shape == [16, 2])
        // SPEC §3: 2,003 parameters in all.
        #expect(game.players.reduce(0) { $0 + $1.parameterCount } == 2003)
    }

    /// A network runs each Linear and the rectifier after it as one fused layer; its output and
    /// gradients are those of the layers called one by one, bit for bit (tanh is not fused).
    @Test(arguments: [Activation.Function.relu, .leakyReLU(slope: 0.2), .tanh])
    func fusedLayersComputeTheLayersNumbers(activation: Activation.Function) {
        var generator = RandomGenerator(seed: 4)
        let network = MultilayerPerceptron(sizes: [5, 16, 16, 3], activation: activation, using: &generator)
        let input = Variable(Tensor.normal([40, 5], using: &generator))
        let parameters = network.namedParameters.map(\.parameter.variable)
        let fused = network(input)
        let separate = network.layers.layers.reduce(input) { $1($0) }
        let gradients = [fused, separate].map { output in
            Autodiff.gradients(of: (output * output).sum(), wrt: parameters).flatMap(\.value.floats).map(\.bitPattern)
        }
        #expect(fused.value.floats.map(\.bitPattern) == separate.value.floats.map(\.bitPattern) && gradients[0] == gradients[1])
    }

    @Test func xavierUniformBoundsAndZeroBias() {
        var generator = RandomGenerator(seed: 0)
        let layer = Linear(inputSize: 300, outputSize: 200, using: &generator)
        let bound = (6.0 / 500).squareRoot()
        #expect(layer.weight.value.max().item <= bound && layer.weight.value.min().item >= -bound)
        #expect(layer.weight.value.max().item > 0.95 * bound)
        #expect(layer.bias!.value.doubles.allSatisfy { $0 == 0 })
        let torch = Linear(inputSize: 300, outputSize: 200, initializer: .pytorchDefault, using: &generator)
        #expect(torch.bias!.value.abs().max().item <= 1 / 300.0.squareRoot())
    }

    /// SPEC §2's formulas on fixed logits.
    @Test func objectivesMatchTheirDefinitions() {
        let real = Variable(Tensor([0.5, -1.0, 2.0]))
        let fake = Variable(Tensor([-0.3, 1.5, 0.0]))
        func softplus(_ x: Double) -> Double { Double.log(1 + Double.exp(x)) }
        let (r, f) = (real.value.doubles, fake.value.doubles)
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        let dLoss = mean(r.map { softplus(-$0) }) + mean(f.map(softplus))
        let expected: [GANObjective: (Double, Double)] = [
            .standard: (mean(f.map { softplus(-$0) }), dLoss),
            .js: (-mean(f.map(softplus)), dLoss),
            .kl: (-mean(f), dLoss),
            .tv: (-mean(f.map { Double.tanh($0) }), mean(f.map { Double.tanh($0) }) - mean(r.map { Double.tanh($0) })),
            .indicator: (-mean(f), mean(f) - mean(r)),
            .hinge: (-mean(f), mean(r.map { max(0, 1 - $0) }) + mean(f.map { max(0, 1 + $0) })),
        ]
        for (objective, (generatorLoss, discriminatorLoss)) in expected {
            let losses = objective.losses(realLogits: real, fakeLogits: fake)
            #expect(Swift.abs(losses.generator.value.item - generatorLoss) < 1e-12, "\(objective)")
            #expect(Swift.abs(losses.discriminator.value.item - discriminatorLoss) < 1e-12, "\(objective)")
        }
    }

    /// ∇L for L = ½‖ξ‖², by double backpropagation, equals Jᵀξ with J the dense Jacobian of ξ.
    @Test func consensusGradientEqualsJacobianTransposeTimesField() {
        let (game, batch) = smallGame()
        let parameters = game.allParameters.map(\.parameter.variable)
        let field = game.simultaneousGradient(of: game.losses(on: batch), createGraph: true)
        let flat = Variable.concatenate(field.joined().map { $0.reshaped([-1]) })
        let jacobian = Autodiff.jacobian(of: flat, wrt: parameters)
        let expected = jacobian.matmul(flat.value.reshaped([-1, 1]), transposingSelf: true).doubles
        let regularizer = FieldEvaluation.halfSquaredNorm(Array(field.joined()))
        let actual = gradients(of: regularizer, wrt: parameters).flatMap { $0.value.doubles }
        #expect(actual.count == expected.count)
        #expect(zip(actual, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 * Swift.max(1, Swift.abs($1)) })
    }

    /// Bit for bit: ConOpt with γ = 0, clipping to a norm never reached, and smoothing with γ = 0
    /// all make the same steps as SimGD.
    @Test func degenerateMethodsEqualSimultaneousDescent() {
        func train(_ transforms: [any DirectionTransform]) -> [Double] {
            let (game, batch) = smallGame(seed: 4)
            let optimizer = GameOptimizer(transforms: transforms,
                                          stepRules: [RMSProp(learningRate: 0.01), RMSProp(learningRate: 0.01)])
            var state = OptimizerState()
            for _ in 0..<5 { _ = optimizer.step(game, state: &state) { batch } }
            return game.allParameters.flatMap { $0.parameter.value.doubles }
        }
        let reference = train([])
        #expect(train([Consensus(gamma: 0)]) == reference)
        #expect(train([GradientClipping(maxNorm: 1e9)]) == reference)
        #expect(train([GradientNormPenalty.smoothing(gamma: 0)]) == reference)
        #expect(train([Consensus(gamma: 1)]) != reference)
    }

    /// Smoothing adds γ∇_φ ½‖∇_θ ℓ_θ‖² to the discriminator only.
    @Test func smoothingRegularisesOnlyTheDiscriminator() {
        let (game, batch) = smallGame(seed: 5)
        let (reference, _) = smallGame(seed: 5)
        let sgd = StochasticGradientDescent(learningRate: 0.1)
        let smooth = GameOptimizer(transforms: [GradientNormPenalty.smoothing(gamma: 3)], stepRules: [sgd])
        let plain = GameOptimizer(stepRules: [sgd])
        let field = reference.simultaneousGradient(of: reference.losses(on: batch), createGraph: true)
        let penalty = gradients(of: FieldEvaluation.halfSquaredNorm(field[0]),
                                wrt: reference.players[1].parameters.map(\.parameter.variable))
        let expectedDiscriminator = zip(reference.players[1].parameters, zip(field[1], penalty)).map { named, pair in
            named.parameter.value - (pair.0.value + pair.1.value * 3) * 0.1
        }
        var (state, referenceState) = (OptimizerState(), OptimizerState())
        _ = smooth.step(game, state: &state) { batch }
        _ = plain.step(reference, state: &referenceState) { batch }
        #expect(zip(game.players[0].parameters, reference.players[0].parameters).allSatisfy {
            $0.parameter.value.isEqual(to: $1.parameter.value)
        })
        #expect(zip(game.players[1].parameters, expectedDiscriminator).allSatisfy {
            zip($0.parameter.value.doubles, $1.doubles).allSatisfy { Swift.abs($0 - $1) < 1e-12 }
        })
    }

    @Test func clippingLimitsEachPlayersStep() {
        let (game, batch) = smallGame(seed: 6)
        let before = game.allParameters.map(\.parameter.value)
        let optimizer = GameOptimizer(transforms: [GradientClipping(maxNorm: 1e-3)],
                                      stepRules: [StochasticGradientDescent(learningRate: 1)])
        var state = OptimizerState()
        _ = optimizer.step(game, state: &state) { batch }
        for (player, range) in [(0, 0..<game.players[0].parameters.count),
                                (1, game.players[0].parameters.count..<before.count)] {
            let moved = range.map { (game.allParameters[$0].parameter.value - before[$0]).squared().sum().item }
            #expect(Swift.abs(moved.reduce(0, +).squareRoot() - 1e-3) < 1e-12, "player \(player)")
        }
    }

    /// R1 = (γ/2)·mean ‖∇_x D(x)‖² on the real batch, R2 the same on the generated one, against
    /// the input gradient by central differences.
    @Test func gradientPenaltiesMatchFiniteDifferences() {
        let (plain, batch) = smallGame(seed: 8)
        let gamma = 3.0
        func discriminatorLoss(_ penalty: DiscriminatorPenalty) -> Double {
            let game = GenerativeAdversarialGame(generator: plain.generator, discriminator: plain.discriminator, penalty: penalty)
            return game.losses(on: batch)[1].value.item
        }
        func meanSquaredInputGradient(_ samples: Tensor) -> Double {
            let (n, h) = (samples.shape[0], 1e-6)
            var total = 0.0
            for index in 0..<(samples.count) {
                var (up, down) = (samples, samples)
                up.withUnsafeMutableBufferPointer(as: Double.self) { $0[index] += h }
                down.withUnsafeMutableBufferPointer(as: Double.self) { $0[index] -= h }
                let derivative = (plain.discriminator(up).sum().item - plain.discriminator(down).sum().item) / (2 * h)
                total += derivative * derivative
            }
            return total / Double(n)
        }
        let base = discriminatorLoss(.none)
        let r1 = discriminatorLoss(.r1(weight: gamma)) - base
        #expect(Swift.abs(r1 - gamma / 2 * meanSquaredInputGradient(batch.real)) < 1e-8)
        let fake = plain.sample(noise: batch.noise)
        let r2 = discriminatorLoss(.r2(weight: gamma)) - base
        #expect(Swift.abs(r2 - gamma / 2 * meanSquaredInputGradient(fake)) < 1e-8)
        #expect(r1 > 0 && r2 > 0)
    }

    /// WGAN-GP vanishes for a critic whose input gradient has norm 1 everywhere, and is λ for norm 2.
    @Test func wassersteinPenaltyMeasuresTheDistanceFromNormOne() {
        var generator = RandomGenerator(seed: 9)
        let critic = Linear(inputSize: 2, outputSize: 1, dtype: .float64, using: &generator)
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.normal([5, 2], dtype: .float64, using: &generator),
                                                    noise: Tensor.normal([5, 2], dtype: .float64, using: &generator),
                                                    interpolation: Tensor.uniform([5, 1], dtype: .float64, using: &generator))
        let map = Linear(inputSize: 2, outputSize: 2, dtype: .float64, using: &generator)
        for (norm, expected) in [(1.0, 0.0), (2.0, 7.0)] {
            critic.weight.value = Tensor(shape: [1, 2], scalars: [0.6 * norm, 0.8 * norm])
            let penalized = GenerativeAdversarialGame(generator: map, discriminator: critic, objective: .indicator,
                                                      penalty: .wganGP(weight: 7))
            let plain = GenerativeAdversarialGame(generator: map, discriminator: critic, objective: .indicator)
            let penalty = penalized.losses(on: batch)[1].value.item - plain.losses(on: batch)[1].value.item
            #expect(Swift.abs(penalty - expected) < 1e-9, "‖∇D‖ = \(norm)")
        }
    }
}
