/// Where a game optimizer evaluates the players' gradients, and how many evaluations one
/// iteration takes.
public enum UpdateScheme: Sendable, Equatable {
    /// Every player steps from the same point, on one batch: x ← x − h·d(x). SimGD.
    case simultaneous

    /// Players move one after another, each for `stepsPerTurn[player]` steps, every step on a
    /// fresh batch at the parameters the previous steps left (the reference's `altgd`: `order`
    /// [discriminator, generator], one step each).
    case alternating(order: [Int], stepsPerTurn: [Int])

    /// Extragradient (Korpelevich 1976; for GANs Gidel et al. 2019, Algorithm 2): a look-ahead
    /// step x½ = x − h·d(x), then the real step from x with the direction at x½:
    /// x⁺ = x − h·d(x½), each evaluation on its own batch. With `extrapolationAdvancesState`
    /// the look-ahead step updates the step rules' state as a real step does (Gidel et al.'s
    /// ExtraAdam advances Adam's moments twice per iteration); without, it steps from a copy of
    /// the state, which is then discarded.
    case extragradient(extrapolationAdvancesState: Bool)

    /// Extragradient from the past (Popov 1980; Gidel et al. 2019, Algorithm 3): the look-ahead
    /// reuses the previous iteration's direction, x½ = x − h·d(x_{t−½}), so each iteration
    /// evaluates the gradients once. The look-ahead steps from a copy of the state.
    case pastExtragradient

    /// Optimistic gradient descent (Daskalakis et al. 2018): x ← x − h·(2d(x_t) − d(x_{t−1})),
    /// the previous direction kept in the state (the first step is plain).
    case optimistic
}
