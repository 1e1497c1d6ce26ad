import Autodiff
import Games
import Layers
import StepRules
import Testing
import Tensors

/// The second-order methods against explicit Jacobians and dense solves on a small GAN in
/// float64, the state they keep, and games with more than two players.
@Suite struct GameMethodTests {
    /// A small GAN in float64 and one batch.
    func smallGame(seed: UInt64 = 1) -> (GenerativeAdversarialGame, GenerativeAdversarialGame.Batch) {
        var generator = RandomGenerator(seed: seed)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [3, 4, 2], activation: .tanh, dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 4, 1], activation: .tanh, dtype: .float64, using: &generator))
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.normal([6, 2], dtype: .float64, using: &generator),
                                                    noise: Tensor.normal([6, 3], dtype: .float64, using: &generator))
        return (game, batch)
    }

    /// ξ flattened, and its dense Jacobian H = ∂ξ/∂w (rows ξ, columns every parameter).
    func denseField(_ game: GenerativeAdversarialGame, _ batch: GenerativeAdversarialGame.Batch) -> (xi: [Double], h: [[Double]]) {
        let field = game.simultaneousGradient(of: game.losses(on: batch), createGraph: true)
        let flat = Variable.concatenate(field.joined().map { $0.reshaped([-1]) })
        let dense = jacobian(of: flat, wrt: game.allParameters.map(\.parameter.variable))
        let n = flat.count
        return (flat.value.doubles, (0..<n).map { Array(dense.doubles[($0 * n)..<($0 * n + n)]) })
    }

    /// The flat directions a transform produces from the gradients at the game's point.
    func transformed(_ transform: any DirectionTransform, _ game: GenerativeAdversarialGame,
                     _ batch: GenerativeAdversarialGame.Batch, learningRates: [Double] = [0.1, 0.1]) -> [Double] {
        let evaluation = FieldEvaluation(game, on: batch, record: true)
        var state = OptimizerState()
        return transform.transform(evaluation.field, at: evaluation, learningRates: learningRates, state: &state)
            .joined().flatMap(\.doubles)
    }

    func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-10) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    /// SGA's adjustment Aᵀξ = ½(Hᵀξ − Hξ) (Hξ by forward mode) equals the one from the explicit
    /// Jacobian, and the alignment sign follows the paper's rule.
    @Test func symplecticAdjustmentMatchesTheExplicitJacobian() {
        let (game, batch) = smallGame()
        let (xi, h) = denseField(game, batch)
        let n = xi.count
        let hxi = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + h[i][$1] * xi[$1] } }
        let htxi = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + h[$1][j] * xi[$1] } }
        let adjustment = zip(htxi, hxi).map { ($0 - $1) / 2 }
        let dot = { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let sign = dot(xi, htxi) * dot(adjustment, htxi) / Double(n) + 0.1 >= 0 ? 1.0 : -1.0
        let expected = zip(xi, adjustment).map { $0 + sign * 0.7 * $1 }
        #expect(close(transformed(SymplecticGradientAdjustment(lambda: 0.7), game, batch), expected))
        let unaligned = zip(xi, adjustment).map { $0 - 0.7 * $1 }
        #expect(close(transformed(SymplecticGradientAdjustment(lambda: -0.7, alignment: false), game, batch), unaligned))
    }

    /// CGD's directions solve the block system [[I, η_y A], [η_x B, I]] d = ξ, from a dense solve
    /// with the blocks of the explicit Jacobian (A = ∂ξ_x/∂y, B = ∂ξ_y/∂x).
    @Test func competitiveSolveMatchesADenseSolve() {
        let (game, batch) = smallGame(seed: 2)
        let (xi, h) = denseField(game, batch)
        let nx = game.players[0].parameterCount
        let n = xi.count
        let (etaX, etaY) = (0.3, 0.2)
        // The block system, solved by Gaussian elimination.
        var system = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            system[i][i] = 1
            for j in 0..<n where (i < nx) != (j < nx) { system[i][j] = h[i][j] * (i < nx ? etaY : etaX) }
        }
        let expected = solve(system, xi)
        let actual = transformed(CompetitiveGradient(tolerance: 1e-13, maximumIterations: 200), game, batch,
                                 learningRates: [etaX, etaY])
        #expect(close(actual, expected, 1e-8))
    }

    /// x with A x = b, by Gaussian elimination with partial pivoting.
    func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var (m, x) = (a, b)
        for k in 0..<n {
            let pivot = (k..<n).max { abs(m[$0][k]) < abs(m[$1][k]) }!
            m.swapAt(k, pivot)
            x.swapAt(k, pivot)
            for i in (k + 1)..<n {
                let factor = m[i][k] / m[k][k]
                for j in k..<n { m[i][j] -= factor * m[k][j] }
                x[i] -= factor * x[k]
            }
        }
        for k in stride(from: n - 1, through: 0, by: -1) {
            x[k] = (x[k] - ((k + 1)..<n).reduce(0.0) { $0 + m[k][$1] * x[$1] }) / m[k][k]
        }
        return x
    }

    /// Extragradient with Adam: by default the look-ahead steps from a copy of Adam's state,
    /// which is discarded (one Adam step per iteration); with `extrapolationAdvancesState`, as
    /// Gidel et al.'s ExtraAdam, both steps advance it.
    @Test(arguments: [false, true])
    func extragradientKeepsTheStateAsDocumented(advances: Bool) {
        let (game, batch) = smallGame(seed: 3)
        let optimizer = GameOptimizer(scheme: .extragradient(extrapolationAdvancesState: advances),
                                      stepRules: [Adam(learningRate: 0.01)])
        var state = OptimizerState()
        for _ in 0..<3 { _ = optimizer.step(game, state: &state) { batch } }
        let steps = game.allParameters.map { state[$0.name]["step"]?.item }
        #expect(steps.allSatisfy { $0 == (advances ? 6 : 3) })
        // Without advancing, the state equals three plain Adam steps fed the look-ahead directions:
        // replay them by hand.
        guard !advances else { return }
        let (replay, _) = smallGame(seed: 3)
        let adam = Adam(learningRate: 0.01)
        var replayState = OptimizerState()
        for _ in 0..<3 {
            let start = replay.allParameters.map(\.parameter.value)
            var scratch = replayState
            let first = replay.simultaneousGradient(of: replay.losses(on: batch)).joined().map(\.value)
            for (named, gradient) in zip(replay.allParameters, first) {
                named.parameter.value = adam.step(named.parameter.value, gradient: gradient, state: &scratch[named.name])
            }
            let second = replay.simultaneousGradient(of: replay.losses(on: batch)).joined().map(\.value)
            for ((named, value), gradient) in zip(zip(replay.allParameters, start), second) {
                named.parameter.value = adam.step(value, gradient: gradient, state: &replayState[named.name])
            }
        }
        #expect(zip(game.allParameters, replay.allParameters).allSatisfy { $0.parameter.value.isEqual(to: $1.parameter.value) })
    }

    /// Three players, player i minimising ½x_i² + 1.5·x_i·x_{i+1} (cyclically): ξ = (I + 1.5P)x
    /// with P the cyclic shift, eigenvalues 2.5 and 0.25 ± 1.3i — strongly rotational. Simultaneous
    /// steps, consensus and SGA all drive the three players to 0.
    @Test func aThreePlayerGameTrains() {
        for transforms in [[], [Consensus(gamma: 1)], [SymplecticGradientAdjustment(lambda: 1)]] as [[any DirectionTransform]] {
            let parameters = (0..<3).map { Parameter(Tensor([1.0 + Double($0)])) }
            let game = FunctionGame(players: parameters.enumerated().map { Player(name: "p\($0.offset)", parameters: [$0.element]) }) {
                (0..<3).map { i in
                    let (x, next) = (parameters[i].variable, parameters[(i + 1) % 3].variable)
                    return (x.squared() * 0.5 + x * next * 1.5).sum()
                }
            }
            let optimizer = GameOptimizer(transforms: transforms, stepRules: [StochasticGradientDescent(learningRate: 0.05)])
            var state = OptimizerState()
            var report = optimizer.step(game, state: &state)
            #expect(report.losses.count == 3)
            for _ in 0..<2000 { report = optimizer.step(game, state: &state) }
            #expect(report.fieldNorm < 1e-6, "\(transforms.map { type(of: $0) })")
        }
    }

    /// A restored state must belong to the game and the method.
    @Test func foreignStateIsRefused() throws {
        let (game, batch) = smallGame()
        let optimizer = GameOptimizer(scheme: .optimistic, stepRules: [RMSProp(learningRate: 0.01)])
        var state = OptimizerState()
        _ = optimizer.step(game, state: &state) { batch }
        try optimizer.validate(state, for: game)
        #expect(state["generator.layers.0.weight"]["previous_direction"] != nil)
        var foreign = state
        foreign["generator.layers.9.weight"]["square_avg"] = Tensor([1.0])
        #expect(throws: StepRuleStateError("state for generator.layers.9.weight, which is not a parameter of this game")) {
            try optimizer.validate(foreign, for: game)
        }
        var stray = state
        stray["generator.layers.0.bias"]["exp_avg"] = Tensor.zeros([4], dtype: .float64)
        #expect(throws: StepRuleStateError("generator.layers.0.bias.exp_avg belongs neither to the step rule nor to the method")) {
            try optimizer.validate(stray, for: game)
        }
        #expect(throws: StepRuleStateError.self) { try GameOptimizer(stepRules: [RMSProp(learningRate: 0.01)]).validate(state, for: game) }
    }

    /// The generator average: avg ← β avg + (1 − β)θ from the first θ, used only inside
    /// `withAveragedParameters`.
    @Test func weightAverageFollowsItsRecurrence() {
        let (game, batch) = smallGame(seed: 7)
        let optimizer = GameOptimizer(stepRules: [StochasticGradientDescent(learningRate: 0.1)],
                                      averaging: WeightAverage(decay: 0.9))
        var state = OptimizerState()
        var expected: Tensor?
        let first = game.players[0].parameters[0]
        for _ in 0..<4 {
            _ = optimizer.step(game, state: &state) { batch }
            expected = expected.map { $0 * 0.9 + first.parameter.value * 0.1 } ?? first.parameter.value
        }
        let current = first.parameter.value
        optimizer.averaging!.withAveragedParameters(game, state: state) {
            #expect(zip(first.parameter.value.doubles, expected!.doubles).allSatisfy { abs($0 - $1) < 1e-15 })
        }
        #expect(first.parameter.value.isEqual(to: current))
        #expect(state["discriminator.layers.0.weight"]["average"] == nil)
    }
}
