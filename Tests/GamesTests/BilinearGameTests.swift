import Autodiff
import Games
import Layers
import StepRules
import Testing
import Tensors

/// Every method on the bilinear game f(φ, θ) = φθ = −g (SPEC §1), whose simultaneous gradient
/// ξ = (−θ, φ) = Hx is linear, with H = [[0, −1], [1, 0]]: each method's iteration is then a
/// fixed linear map of its state, known in closed form, and the iterates must follow it exactly.
/// Where that map is a multiple of a rotation, ‖x‖ scales by its modulus every step, so the
/// contraction rate is checked exactly too.
@Suite struct BilinearGameTests {
    /// The game in a few lines, as README shows it.
    func bilinearGame(_ phi: Parameter, _ theta: Parameter) -> FunctionGame {
        FunctionGame(players: [Player(name: "phi", parameters: [phi]), Player(name: "theta", parameters: [theta])]) {
            let f = (phi.variable * theta.variable).sum()
            return [-f, f]  // φ maximises f, θ maximises g = −f
        }
    }

    /// (φ, θ) after each of `steps` iterations of `optimizer` from (1, 1).
    func iterates(_ optimizer: GameOptimizer, steps: Int) -> [[Double]] {
        let phi = Parameter(Tensor([1.0]))
        let theta = Parameter(Tensor([1.0]))
        let game = bilinearGame(phi, theta)
        var state = OptimizerState()
        return (0..<steps).map { _ in
            _ = optimizer.step(game, state: &state)
            return [phi.value.item, theta.value.item]
        }
    }

    /// The iterates of the linear map `m` (rows of a square matrix) on the augmented state, read
    /// through its first two components, from `start`.
    func linearIterates(_ m: [[Double]], from start: [Double], steps: Int) -> [[Double]] {
        var x = start
        return (0..<steps).map { _ in
            x = m.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
            return Array(x.prefix(2))
        }
    }

    func sgd(_ h: Double) -> [any StepRule] { [StochasticGradientDescent(learningRate: h)] }

    /// On the bilinear game L = ½‖ξ‖² = ½(φ² + θ²), so ∇L = (φ, θ): ConOpt reports ‖∇L‖ = ‖x‖
    /// at the point each step starts from; a method that never forms ∇L reports none.
    @Test func consensusReportsTheGradientNormOfItsRegularizer() {
        let phi = Parameter(Tensor([0.6]))
        let theta = Parameter(Tensor([-0.8]))
        let game = bilinearGame(phi, theta)
        var state = OptimizerState()
        let conopt = GameOptimizer(transforms: [Consensus(gamma: 0.5)], stepRules: sgd(0.1))
        for _ in 0..<3 {
            let norm = (phi.value.item * phi.value.item + theta.value.item * theta.value.item).squareRoot()
            let report = conopt.step(game, state: &state)
            #expect(abs((report.consensusGradientNorm ?? .nan) - norm) < 1e-12 * norm)
            #expect(abs(report.fieldNorm - norm) < 1e-12 * norm)
        }
        #expect(GameOptimizer(stepRules: sgd(0.1)).step(game, state: &state).consensusGradientNorm == nil)
    }

    /// Relative agreement of two iterate sequences.
    func agree(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-12) -> Bool {
        zip(a, b).allSatisfy { x, y in
            let scale = max(1, abs(y[0]) + abs(y[1]))
            return abs(x[0] - y[0]) <= tolerance * scale && abs(x[1] - y[1]) <= tolerance * scale
        }
    }

    /// ‖x_t‖ = ρᵗ‖x₀‖ exactly, for a map that is ρ times a rotation.
    func scalesExactly(_ iterates: [[Double]], by rate: Double) -> Bool {
        iterates.enumerated().allSatisfy { t, x in
            abs((x[0] * x[0] + x[1] * x[1]).squareRoot() / (2.0.squareRoot() * Double.pow(rate, Double(t + 1))) - 1) < 1e-9
        }
    }

    /// Single-step methods: the map on (φ, θ), and the modulus of its eigenvalues when it is a
    /// multiple of a rotation.
    @Test(arguments: [0.05, 0.3])
    func singleStepMethodsFollowTheirClosedForms(h: Double) {
        let (gamma, eta) = (2.0, 0.4)
        let cases: [(String, GameOptimizer, [[Double]], Double?)] = [
            // x⁺ = (I − hH)x: eigenvalues 1 ± ih, |·| = √(1 + h²) > 1 for every h.
            ("simgd", GameOptimizer(stepRules: sgd(h)), [[1, h], [-h, 1]], (1 + h * h).squareRoot()),
            // φ first, then θ at the new φ: det 1, eigenvalues on the unit circle for h < 2.
            ("altgd", GameOptimizer(scheme: .alternating(order: [0, 1], stepsPerTurn: [1, 1]), stepRules: sgd(h)),
             [[1, h], [-h, 1 - h * h]], nil),
            // d = (H + γHᵀH)x = (H + γI)x: eigenvalues 1 − hγ ± ih.
            ("conopt", GameOptimizer(transforms: [Consensus(gamma: gamma)], stepRules: sgd(h)),
             [[1 - h * gamma, h], [-h, 1 - h * gamma]], ((1 - h * gamma) * (1 - h * gamma) + h * h).squareRoot()),
            // A = ½(H − Hᵀ) = H, Aᵀξ = x; the alignment sign is + (⟨ξ, Hᵀξ⟩ = 0): as conopt with λ.
            ("sga", GameOptimizer(transforms: [SymplecticGradientAdjustment(lambda: gamma)], stepRules: sgd(h)),
             [[1 - h * gamma, h], [-h, 1 - h * gamma]], ((1 - h * gamma) * (1 - h * gamma) + h * h).squareRoot()),
            // x⁺ = x − hH(x − hHx) = ((1 − h²)I − hH)x since H² = −I.
            ("extragradient", GameOptimizer(scheme: .extragradient(extrapolationAdvancesState: false), stepRules: sgd(h)),
             [[1 - h * h, h], [-h, 1 - h * h]], ((1 - h * h) * (1 - h * h) + h * h).squareRoot()),
            // Δφ = (hθ − h²φ)/(1 + h²), Δθ = (−hφ − h²θ)/(1 + h²): eigenvalues (1 ± ih)/(1 + h²).
            ("cgd", GameOptimizer(transforms: [CompetitiveGradient(tolerance: 1e-14)], stepRules: sgd(h)),
             [[1 - h * h / (1 + h * h), h / (1 + h * h)], [-h / (1 + h * h), 1 - h * h / (1 + h * h)]],
             1 / (1 + h * h).squareRoot()),
            // φ also descends 2η∇_φ ½‖ξ_θ‖² = 2ηφ.
            ("nk", GameOptimizer(transforms: [GradientNormPenalty.nagarajanKolter(eta: eta)], stepRules: sgd(h)),
             [[1 - 2 * h * eta, h], [-h, 1]], nil),
            // θ (the penalised "discriminator" here is player 1) descends γ∇_θ ½‖ξ_φ‖² = γθ.
            ("smooth", GameOptimizer(transforms: [GradientNormPenalty.smoothing(gamma: gamma)], stepRules: sgd(h)),
             [[1, h], [-h, 1 - h * gamma]], nil),
        ]
        for (name, optimizer, map, rate) in cases {
            let actual = iterates(optimizer, steps: 60)
            #expect(agree(actual, linearIterates(map, from: [1, 1], steps: 60)), "\(name), h = \(h)")
            if let rate { #expect(scalesExactly(actual, by: rate), "\(name): rate \(rate), h = \(h)") }
        }
    }

    /// Methods with memory: the map on (φ, θ, d_φ, d_θ) with the previous direction, after a
    /// plain first step.
    @Test(arguments: [0.05, 0.3])
    func methodsWithMemoryFollowTheirClosedForms(h: Double) {
        // H = [[0, −1], [1, 0]]; first step x₁ = (I − hH)x₀, d₀ = Hx₀ = (−1, 1) from (1, 1).
        let first = [1 + h, 1 - h]
        // Optimistic: x⁺ = x − h(2Hx − d), d⁺ = Hx.
        let optimistic: [[Double]] = [[1, 2 * h, h, 0], [-2 * h, 1, 0, h], [0, -1, 0, 0], [1, 0, 0, 0]]
        // Past extragradient: x½ = x − hd, d⁺ = Hx½ = Hx − hHd, x⁺ = x − hd⁺.
        let past: [[Double]] = [[1, h, 0, -h * h], [-h, 1, h * h, 0], [0, -1, 0, h], [1, 0, -h, 0]]
        for (name, scheme, map) in [("optimistic", UpdateScheme.optimistic, optimistic),
                                    ("past-extragradient", UpdateScheme.pastExtragradient, past)] {
            let actual = iterates(GameOptimizer(scheme: scheme, stepRules: sgd(h)), steps: 60)
            #expect(agree([actual[0]], [first]), "\(name): plain first step")
            #expect(agree(Array(actual.dropFirst()), linearIterates(map, from: first + [-1, 1], steps: 59)), "\(name), h = \(h)")
        }
    }

    /// Lookahead: every k steps, x ← (1 − α)x_slow + α·Mᵏx_slow with M SimGD's map.
    @Test func lookaheadAveragesEveryPeriod() {
        let (h, period, alpha) = (0.2, 5, 0.5)
        let actual = iterates(GameOptimizer(stepRules: sgd(h), lookahead: Lookahead(period: period, alpha: alpha)), steps: 40)
        var slow = [1.0, 1.0]
        for sync in 0..<8 {
            let fast = linearIterates([[1, h], [-h, 1]], from: slow, steps: period).last!
            slow = zip(slow, fast).map { (1 - alpha) * $0 + alpha * $1 }
            #expect(agree([actual[period * (sync + 1) - 1]], [slow]), "synchronisation \(sync)")
        }
        // SimGD alone spirals out; averaged, it contracts.
        #expect((slow[0] * slow[0] + slow[1] * slow[1]).squareRoot() < 2.0.squareRoot())
    }

    /// The paper's bound for consensus: converges iff h < 2γ/(1 + γ²), at the exact rate.
    @Test(arguments: [0.5, 1, 10])
    func consensusConvergesExactlyBelowTheBound(gamma: Double) {
        let bound = 2 * gamma / (1 + gamma * gamma)
        for h in [0.95 * bound, 1.05 * bound] {
            let actual = iterates(GameOptimizer(transforms: [Consensus(gamma: gamma)], stepRules: sgd(h)), steps: 400)
            let rate = ((1 - h * gamma) * (1 - h * gamma) + h * h).squareRoot()
            #expect(scalesExactly(actual, by: rate), "γ = \(gamma), h = \(h)")
            let final = actual.last!
            let norm = (final[0] * final[0] + final[1] * final[1]).squareRoot()
            #expect(h < bound ? norm < 1e-3 : norm > 10)
        }
    }
}
