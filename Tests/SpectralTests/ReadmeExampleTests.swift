import Autodiff
import Games
import Layers
import Numerics
import Spectral
import StepRules
import Testing
import Tensors

/// The README's example, verbatim in substance: ConOpt on the bilinear game.
@Suite struct ReadmeExampleTests {
    @Test func consensusOnTheBilinearGame() throws {
        let phi = Parameter(Tensor([1.0])), theta = Parameter(Tensor([1.0]))
        let game = FunctionGame(players: [Player(name: "phi", parameters: [phi]),
                                          Player(name: "theta", parameters: [theta])]) {
            let f = (phi.variable * theta.variable).sum()
            return [-f, f]
        }
        let conopt = GameOptimizer(transforms: [Consensus(gamma: 1)], stepRules: [StochasticGradientDescent(learningRate: 0.5)])
        var state = OptimizerState()
        for _ in 0..<100 { _ = conopt.step(game, state: &state) }
        #expect(abs(phi.value.item) < 1e-10 && abs(theta.value.item) < 1e-10)
        let spectrum = try EigenDecomposition(GameJacobian(game: game, batches: [()]).matrix).eigenvalues
        #expect(Set(spectrum.map { [$0.real, $0.imaginary] }) == [[0, 1], [0, -1]])
    }
}
