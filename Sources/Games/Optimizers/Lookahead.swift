import StepRules
import Tensors

/// Lookahead-minmax (Chavdarova et al. 2021, after Zhang et al. 2019's Lookahead): the game
/// optimizer's steps are "fast" weights; every `period` iterations the slow weights move a
/// fraction `alpha` toward them, slow ← slow + α(fast − slow), and the fast weights restart from
/// there. Both players are averaged together, which damps the rotation of adversarial games.
///
/// State per parameter: `lookahead_slow` (the slow weights) and `lookahead_step` (iterations
/// since the last synchronisation).
public struct Lookahead: Sendable, Equatable {
    public let period: Int
    public let alpha: Double

    public init(period: Int = 5, alpha: Double = 0.5) {
        precondition(period > 0 && alpha > 0 && alpha <= 1, "Lookahead: period > 0 and 0 < α ≤ 1")
        self.period = period
        self.alpha = alpha
    }

    static let stateNames = ["lookahead_slow", "lookahead_step"]

    /// Sets the slow weights to the current ones where there are none yet (before the first
    /// fast step).
    func begin<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState) {
        for named in game.allParameters where state[named.name]["lookahead_slow"] == nil {
            state[named.name]["lookahead_slow"] = named.parameter.value
        }
    }

    /// Counts one fast step; every `period` steps, synchronises slow and fast weights. The step
    /// count is kept per parameter so that the state stays keyed by parameter name.
    func update<Game: DifferentiableGame>(_ game: Game, state: inout OptimizerState) {
        for named in game.allParameters {
            var entries = state[named.name]
            let slow = entries["lookahead_slow"]!
            let count = Int(entries["lookahead_step"]?.item ?? 0) + 1
            if count == period {
                let synchronized = slow + (named.parameter.value - slow) * alpha
                named.parameter.value = synchronized
                entries["lookahead_slow"] = synchronized
                entries["lookahead_step"] = Tensor.scalar(0, dtype: .float64)
            } else {
                entries["lookahead_slow"] = slow
                entries["lookahead_step"] = Tensor.scalar(Double(count), dtype: .float64)
            }
            state[named.name] = entries
        }
    }
}
