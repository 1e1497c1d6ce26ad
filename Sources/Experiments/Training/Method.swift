import Games
import StepRules

extension TrainingConfiguration {
    /// How the players play: every game method of the project, by its command-line name. Each
    /// is a ``GameOptimizer`` made of an update scheme and direction transforms, on the
    /// configuration's step rule (see ``makeOptimizer()``).
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// Simultaneous gradient descent (the reference's `simgd`).
        case simgd
        /// Alternating steps, discriminator first (the reference's `altgd`).
        case altgd
        /// Consensus optimization, γ (Mescheder et al. 2017; the reference's `conopt`).
        case conopt
        /// Each player's gradient clipped to norm γ (the reference's `clip`).
        case clip
        /// The discriminator penalised by γ·½‖∇_θ ℓ_θ‖² (the reference's `smooth`).
        case smooth
        /// Symplectic gradient adjustment with the alignment sign, λ = γ (Balduzzi et al. 2018).
        case sga
        /// Extragradient (Gidel et al. 2019); with Adam, ExtraAdam.
        case extragradient
        /// Extragradient from the past (Popov 1980; Gidel et al. 2019).
        case pastExtragradient = "past-extragradient"
        /// Optimistic gradient descent (Daskalakis et al. 2018); with Adam, optimistic Adam.
        case optimistic
        /// Competitive gradient descent (Schäfer & Anandkumar 2019).
        case cgd
        /// Adaptive competitive gradient descent (Schäfer et al. 2020), on SGD.
        case acgd
        /// The Nagarajan–Kolter generator regulariser, η = γ (Nagarajan & Kolter 2017).
        case nk
        /// Lookahead-minmax over simultaneous steps (Chavdarova et al. 2021).
        case lookahead

        /// What `gamma` means for this method (nil: the method has no weight).
        public var weightName: String? {
            switch self {
            case .conopt, .smooth: return "γ"
            case .clip: return "norm"
            case .sga: return "λ"
            case .nk: return "η"
            default: return nil
            }
        }
    }

    /// A penalty on the discriminator's input gradient.
    public enum Penalty: String, Codable, CaseIterable, Sendable {
        case none
        /// R1 on real data (Mescheder et al. 2018).
        case r1
        /// R2 on generated data.
        case r2
        /// The WGAN-GP penalty (Gulrajani et al. 2017), meant for `--loss indicator`.
        case wganGP = "wgan-gp"

        /// The game's penalty with `weight`.
        func penalty(weight: Double) -> DiscriminatorPenalty {
            switch self {
            case .none: return .none
            case .r1: return .r1(weight: weight)
            case .r2: return .r2(weight: weight)
            case .wganGP: return .wganGP(weight: weight)
            }
        }
    }

    /// The game optimizer of this configuration: one step rule per player (generator,
    /// discriminator), the method's scheme and transforms, and the generator average if asked.
    public func makeOptimizer() -> GameOptimizer {
        let rules: [any StepRule] = (0..<2).map { _ in makeStepRule() }
        var optimizer = GameOptimizer(stepRules: rules)
        switch method {
        case .simgd: break
        case .altgd: optimizer.scheme = .alternating(order: [1, 0], stepsPerTurn: [generatorSteps, discriminatorSteps])
        case .conopt: optimizer.transforms = [Consensus(gamma: gamma)]
        case .clip: optimizer.transforms = [GradientClipping(maxNorm: gamma)]
        case .smooth: optimizer.transforms = [GradientNormPenalty.smoothing(gamma: gamma)]
        case .sga: optimizer.transforms = [SymplecticGradientAdjustment(lambda: gamma)]
        case .extragradient: optimizer.scheme = .extragradient(extrapolationAdvancesState: extrapolationAdvancesState)
        case .pastExtragradient: optimizer.scheme = .pastExtragradient
        case .optimistic: optimizer.scheme = .optimistic
        case .cgd: optimizer.transforms = [CompetitiveGradient()]
        case .acgd: optimizer.transforms = [CompetitiveGradient(adaptive: true)]
        case .nk: optimizer.transforms = [GradientNormPenalty.nagarajanKolter(eta: gamma)]
        case .lookahead: optimizer.lookahead = Lookahead(period: lookaheadPeriod, alpha: lookaheadAlpha)
        }
        if averageDecay > 0 { optimizer.averaging = WeightAverage(decay: averageDecay, players: [0]) }
        return optimizer
    }

    /// The configuration's step rule.
    func makeStepRule() -> any StepRule {
        switch stepRule {
        case .rmsprop: return RMSProp(learningRate: learningRate, form: .tensorflow1)
        case .rmspropPytorch: return RMSProp(learningRate: learningRate, form: .pytorch)
        case .adam: return Adam(learningRate: learningRate)
        case .sgd: return StochasticGradientDescent(learningRate: learningRate)
        }
    }
}
