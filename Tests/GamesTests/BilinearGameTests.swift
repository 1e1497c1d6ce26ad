import Autodiff
import Games
import Layers
import StepRules
import Testing
import Tensors

/// The bilinear game f(φ, θ) = φθ = −g of SPEC §1: v = (θ, −φ), eigenvalues ±i; with consensus
/// the eigenvalues of v′ − γv′ᵀv′ are −γ ± i, and x ← x + h·w(x) converges iff h < 2γ/(1 + γ²).
@Suite struct BilinearGameTests {
    /// The game in a few lines, as README shows it.
    func bilinearGame(_ phi: Parameter, _ theta: Parameter) -> FunctionGame {
        FunctionGame(players: [Player(name: "phi", parameters: [phi]), Player(name: "theta", parameters: [theta])]) {
            let f = (phi.variable * theta.variable).sum()
            return [-f, f]  // φ maximises f, θ maximises g = −f
        }
    }

    /// ‖x‖ after `steps` iterations from (1, 1).
    func normAfter(_ steps: Int, stepSize h: Double, gamma: Double?) -> Double {
        let phi = Parameter(Tensor([1.0]))
        let theta = Parameter(Tensor([1.0]))
        let game = bilinearGame(phi, theta)
        var optimizer: any GameOptimizer = gamma.map {
            ConsensusOptimization(gamma: $0, stepRule: StochasticGradientDescent(learningRate: h))
        } ?? SimultaneousGradientDescent(stepRule: StochasticGradientDescent(learningRate: h))
        for _ in 0..<steps { _ = optimizer.step(game) }
        return (phi.value.item * phi.value.item + theta.value.item * theta.value.item).squareRoot()
    }

    @Test func simultaneousGradientDescentSpiralsOut() {
        for h in [0.01, 0.1, 0.5] {
            let norm = normAfter(200, stepSize: h, gamma: nil)
            // |1 + ih|^200 = (1 + h²)^100, from ‖x₀‖ = √2.
            let expected = 2.0.squareRoot() * Double.pow(1 + h * h, 100)
            #expect(Swift.abs(norm / expected - 1) < 1e-10, "h = \(h)")
            #expect(norm > 2.0.squareRoot())
        }
    }

    @Test(arguments: [0.5, 1, 10])
    func consensusConvergesExactlyBelowTheBound(gamma: Double) {
        let bound = 2 * gamma / (1 + gamma * gamma)
        for h in [0.95 * bound, 1.05 * bound] {
            let norm = normAfter(400, stepSize: h, gamma: gamma)
            // Eigenvalues 1 − hγ ± ih of the iteration: the norm scales by their modulus each step.
            let rate = ((1 - h * gamma) * (1 - h * gamma) + h * h).squareRoot()
            let expected = 2.0.squareRoot() * Double.pow(rate, 400)
            #expect(Swift.abs(norm / expected - 1) < 1e-9, "γ = \(gamma), h = \(h)")
            #expect(h < bound ? norm < 1e-3 : norm > 10)
        }
    }

    @Test func consensusWithZeroGammaIsSimultaneousDescent() {
        #expect(normAfter(50, stepSize: 0.1, gamma: 0) == normAfter(50, stepSize: 0.1, gamma: nil))
    }

    @Test func alternatingDescentStaysBounded() {
        // Alternating steps on the bilinear game rotate without growing for h < 2.
        let phi = Parameter(Tensor([1.0]))
        let theta = Parameter(Tensor([1.0]))
        let game = bilinearGame(phi, theta)
        var optimizer = AlternatingGradientDescent(stepRules: [StochasticGradientDescent(learningRate: 0.1)], order: [0, 1])
        for _ in 0..<1000 { _ = optimizer.step(game) }
        let norm = (phi.value.item * phi.value.item + theta.value.item * theta.value.item).squareRoot()
        #expect(norm > 0.5 && norm < 3)
    }
}
