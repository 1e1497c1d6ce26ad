import StepRules
import Tensors

/// An exponential moving average of some players' parameters, for evaluation (Yazıcı et al.
/// 2019, "The unusual effectiveness of averaging in GAN training"): after every iteration
/// avg ← β·avg + (1 − β)·θ, starting from the first θ. Training is unchanged; samples drawn with
/// the averaged generator are usually better. Kept in the optimizer state as `average`.
public struct WeightAverage: Sendable, Equatable {
    /// β.
    public let decay: Double
    /// The players averaged (for a GAN, `[0]`: the generator).
    public let players: [Int]

    public init(decay: Double, players: [Int] = [0]) {
        precondition(decay >= 0 && decay < 1, "WeightAverage: 0 ≤ β < 1")
        self.decay = decay
        self.players = players
    }

    static let stateName = "average"

    /// Folds the current parameters into the average.
    func update<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState) {
        for player in players {
            for named in game.players[player].parameters {
                let value = named.parameter.value
                state[named.name][WeightAverage.stateName] = state[named.name][WeightAverage.stateName]
                    .map { $0 * decay + value * (1 - decay) } ?? value
            }
        }
    }

    /// Runs `body` with the averaged parameters in place of the current ones (where there is an
    /// average yet), then puts the current ones back.
    public func withAveragedParameters<Game: DifferentiableGame, Result>(
        _ game: Game, state: OptimizerState, _ body: () throws -> Result
    ) rethrows -> Result {
        let parameters = players.flatMap { game.players[$0].parameters }
        let current = parameters.map(\.parameter.value)
        for named in parameters {
            if let average = state[named.name][WeightAverage.stateName] { named.parameter.value = average }
        }
        defer { for (named, value) in zip(parameters, current) { named.parameter.value = value } }
        return try body()
    }
}
