import Autodiff
import Layers
import StepRules
import Tensors

/// What one iteration of a game optimizer measured, at the point it started from.
public struct StepReport: Sendable {
    /// Each player's loss, in player order (NaN for a player an alternating scheme did not move).
    public let losses: [Double]
    /// ‖v‖ = ‖ξ‖, the norm of the simultaneous gradient of the losses.
    public let fieldNorm: Double
    /// ‖∇L‖ with L = ½‖v‖², the consensus regulariser's gradient, when the method computed it.
    public let consensusGradientNorm: Double?

    public init(losses: [Double], fieldNorm: Double, consensusGradientNorm: Double? = nil) {
        self.losses = losses
        self.fieldNorm = fieldNorm
        self.consensusGradientNorm = consensusGradientNorm
    }
}

/// A method for playing a game, made of three independent choices:
///
/// - ``scheme``: where the players' gradients are evaluated and how many evaluations an
///   iteration takes (simultaneous, alternating, extragradient, extragradient from the past,
///   optimistic);
/// - ``transforms``: how the gradients become update directions, in order (consensus, SGA,
///   clipping, a competitive solve, gradient-norm penalties);
/// - ``stepRules``: how each player's parameters move along its direction (SGD, RMSProp, Adam),
///   one per player or one for all;
///
/// and, optionally, ``lookahead`` and a weight ``averaging`` for evaluation. The optimizer holds
/// no state of its own: every iteration reads and updates an ``OptimizerState`` the caller owns,
/// keyed by parameter name.
///
/// ```swift
/// let conopt = GameOptimizer(transforms: [Consensus(gamma: 10)], stepRules: [RMSProp(learningRate: 1e-4)])
/// var state = OptimizerState()
/// let report = conopt.step(game, state: &state) { nextBatch() }
/// ```
public struct GameOptimizer: Sendable {
    public var scheme: UpdateScheme
    public var transforms: [any DirectionTransform]
    public var stepRules: [any StepRule]
    public var lookahead: Lookahead?
    public var averaging: WeightAverage?

    public init(scheme: UpdateScheme = .simultaneous, transforms: [any DirectionTransform] = [],
                stepRules: [any StepRule], lookahead: Lookahead? = nil, averaging: WeightAverage? = nil) {
        precondition(!stepRules.isEmpty, "GameOptimizer: at least one step rule")
        self.scheme = scheme
        self.transforms = transforms
        self.stepRules = stepRules
        self.lookahead = lookahead
        self.averaging = averaging
    }

    /// The step rule that moves `player`.
    public func stepRule(forPlayer player: Int) -> any StepRule {
        stepRules.count == 1 ? stepRules[0] : stepRules[player]
    }

    /// The state names the method itself keeps per parameter (besides the step rules').
    public var methodStateNames: [String] {
        var names: [String] = []
        switch scheme {
        case .pastExtragradient, .optimistic: names.append(GameOptimizer.previousDirection)
        default: break
        }
        names += transforms.flatMap(\.stateNames)
        if lookahead != nil { names += Lookahead.stateNames }
        if averaging != nil { names.append(WeightAverage.stateName) }
        return names
    }

    /// Where optimistic and past-extragradient methods keep the previous direction.
    static let previousDirection = "previous_direction"

    /// One iteration. `nextBatch` returns a fresh minibatch each call: simultaneous methods and
    /// extragradient from the past call it once, extragradient twice, alternating methods once
    /// per player step.
    public func step<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState,
                                              nextBatch: () -> Game.Batch) -> StepReport {
        stepDeferringReport(game, state: &state, nextBatch: nextBatch)()
    }

    /// One iteration, its report read from the iteration's tensors when the returned closure is
    /// called: after a replay of a recorded iteration, it reads the replay's.
    func stepDeferringReport<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState,
                                                      nextBatch: () -> Game.Batch) -> () -> StepReport {
        lookahead?.begin(game, state: &state)
        let report: () -> StepReport
        switch scheme {
        case .simultaneous:
            let evaluation = evaluate(game, on: nextBatch(), state: &state)
            apply(evaluation.directions, to: game, state: &state)
            report = evaluation.report
        case .alternating(let order, let stepsPerTurn):
            report = alternate(game, order: order, stepsPerTurn: stepsPerTurn, state: &state, nextBatch: nextBatch)
        case .extragradient(let advances):
            let start = game.allParameters.map(\.parameter.value)
            let first = evaluate(game, on: nextBatch(), state: &state)
            var lookaheadState = state
            apply(first.directions, to: game, state: &lookaheadState)
            if advances { state = lookaheadState }
            let second = evaluate(game, on: nextBatch(), state: &state)
            restore(game, start)
            apply(second.directions, to: game, state: &state)
            report = first.report
        case .pastExtragradient:
            let start = game.allParameters.map(\.parameter.value)
            if let previous = previousDirections(game, state) {
                var lookaheadState = state
                apply(previous, to: game, state: &lookaheadState)
            }
            let evaluation = evaluate(game, on: nextBatch(), state: &state)
            restore(game, start)
            apply(evaluation.directions, to: game, state: &state)
            storePrevious(evaluation.directions, game, &state)
            report = evaluation.report
        case .optimistic:
            let evaluation = evaluate(game, on: nextBatch(), state: &state)
            let directions = previousDirections(game, state).map { previous in
                zip(evaluation.directions, previous).map { zip($0, $1).map { $0 * 2 - $1 } }
            } ?? evaluation.directions
            apply(directions, to: game, state: &state)
            storePrevious(evaluation.directions, game, &state)
            report = evaluation.report
        }
        lookahead?.update(game, state: &state)
        averaging?.update(game, state: &state)
        return report
    }

    /// One iteration of a game that needs no data.
    public func step<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState) -> StepReport
    where Game.Batch == Void {
        step(game, state: &state, nextBatch: {})
    }

    /// What one evaluation of the field gives an iteration.
    struct Evaluation {
        /// Each player's direction, after every transform.
        let directions: [[Tensor]]
        /// Each player's loss.
        let losses: [Tensor]
        /// The report, read from the evaluation's tensors when called.
        let report: () -> StepReport
    }

    /// The directions at the game's current point on `batch`, after every transform.
    func evaluate<Game: DifferentiableGame>(_ game: Game, on batch: Game.Batch,
                                            state: inout OptimizerState) -> Evaluation {
        let evaluation = FieldEvaluation(game, on: batch, record: transforms.contains { $0.needsRecordedGradients })
        let field = evaluation.field
        let rates = game.players.indices.map { stepRule(forPlayer: $0).learningRate }
        var directions = field
        for transform in transforms {
            directions = transform.transform(directions, at: evaluation, learningRates: rates, state: &state)
        }
        return Evaluation(directions: directions, losses: evaluation.losses.map(\.value)) {
            StepReport(losses: evaluation.lossValues, fieldNorm: norm(field),
                       consensusGradientNorm: evaluation.consensusGradientNorm)
        }
    }

    /// Moves every parameter of `players` (all by default) along −direction with its player's
    /// step rule. Every direction is computed before any parameter is written.
    func apply<Game: DifferentiableGame>(_ directions: [[Tensor]], to game: Game, players: [Int]? = nil,
                                         state: inout OptimizerState) {
        for (position, player) in (players ?? Array(game.players.indices)).enumerated() {
            let rule = stepRule(forPlayer: player)
            for (index, named) in game.players[player].parameters.enumerated() {
                var parameterState = state[named.name]
                named.parameter.value = rule.step(named.parameter.value, gradient: directions[position][index],
                                                  state: &parameterState)
                state[named.name] = parameterState
            }
        }
    }

    /// Alternating steps; each player's loss is reported from its last step (read when the
    /// returned closure is called).
    private func alternate<Game: DifferentiableGame>(_ game: Game, order: [Int], stepsPerTurn: [Int],
                                                     state: inout OptimizerState, nextBatch: () -> Game.Batch) -> () -> StepReport {
        var losses = [Tensor?](repeating: nil, count: game.players.count)
        var directions = [[Tensor]](repeating: [], count: game.players.count)
        for player in order {
            for _ in 0..<stepsPerTurn[player] {
                let batch = nextBatch()
                if transforms.isEmpty {
                    // Only this player's gradient is needed.
                    let loss = game.losses(on: batch)[player]
                    directions[player] = Autodiff.gradients(of: loss, wrt: game.players[player].parameters.map(\.parameter.variable))
                        .map(\.value)
                    losses[player] = loss.value
                } else {
                    let evaluation = evaluate(game, on: batch, state: &state)
                    directions[player] = evaluation.directions[player]
                    losses[player] = evaluation.losses[player]
                }
                apply([directions[player]], to: game, players: [player], state: &state)
            }
        }
        return { [losses, directions] in
            let squaredNorms = directions.map { Double.pow(norm([$0]), 2) }
            return StepReport(losses: losses.map { $0?.item ?? .nan }, fieldNorm: squaredNorms.reduce(0, +).squareRoot())
        }
    }

    private func restore<Game: DifferentiableGame>(_ game: Game, _ values: [Tensor]) {
        for (named, value) in zip(game.allParameters, values) { named.parameter.value = value }
    }

    /// The directions an optimistic or past-extragradient step stored, if every parameter has one.
    private func previousDirections<Game: DifferentiableGame>(_ game: Game, _ state: OptimizerState) -> [[Tensor]]? {
        var result: [[Tensor]] = []
        for player in game.players {
            var directions: [Tensor] = []
            for named in player.parameters {
                guard let previous = state[named.name][GameOptimizer.previousDirection] else { return nil }
                directions.append(previous)
            }
            result.append(directions)
        }
        return result
    }

    private func storePrevious<Game: DifferentiableGame>(_ directions: [[Tensor]], _ game: Game, _ state: inout OptimizerState) {
        for (player, playerDirections) in zip(game.players, directions) {
            for (named, direction) in zip(player.parameters, playerDirections) {
                state[named.name][GameOptimizer.previousDirection] = direction
            }
        }
    }

    /// Checks a state read from a checkpoint: every entry belongs to a parameter of `game` and to
    /// its step rule or to this method, with the shapes they need.
    public func validate<Game: DifferentiableGame>(_ state: OptimizerState, for game: Game) throws(StepRuleStateError) {
        let parameters = Dictionary(uniqueKeysWithValues: game.players.enumerated().flatMap { player, members in
            members.parameters.map { ($0.name, (player, $0.parameter.value)) }
        })
        let methodNames = Set(methodStateNames)
        for (name, entries) in state.parameters.sorted(by: { $0.key < $1.key }) {
            guard let (player, value) = parameters[name] else {
                throw StepRuleStateError("state for \(name), which is not a parameter of this game")
            }
            let rule = stepRule(forPlayer: player)
            let ruleNames = Set(rule.stateNames)
            if let stray = entries.keys.sorted().first(where: { !ruleNames.contains($0) && !methodNames.contains($0) }) {
                throw StepRuleStateError("\(name).\(stray) belongs neither to the step rule nor to the method")
            }
            do {
                try rule.validate(entries, for: value)
            } catch {
                throw StepRuleStateError("\(name): \(error.description)")
            }
            for key in methodNames.intersection(entries.keys) where entries[key]!.count != 1 && entries[key]!.shape != value.shape {
                throw StepRuleStateError("\(name).\(key) has shape \(entries[key]!.shape), the parameter \(value.shape)")
            }
        }
    }
}

extension DirectionTransform {
    /// No state by default.
    public var stateNames: [String] { [] }
}
