import Autodiff
import Layers
import Tensors

/// The two-player quadratic game with tunable interaction: player φ minimises ½α φ² − β φθ,
/// player θ minimises ½α θ² + β φθ. Its simultaneous gradient ξ = (αφ − βθ, αθ + βφ) is linear
/// with Jacobian [[α, −β], [β, α]], eigenvalues α ± iβ: α sets how much each player's own
/// curvature pulls it to the equilibrium (0, 0), β how strongly the players rotate each other.
/// α = 0, β = 1 is the bilinear game f(φ, θ) = φθ = −g of SPEC §1.
public final class QuadraticGame: DifferentiableGame {
    public typealias Batch = Void
    public let curvature: Double
    public let interaction: Double
    public let phi: Parameter
    public let theta: Parameter
    public let players: [Player]

    /// The game at (φ, θ) = `start`.
    public init(curvature: Double = 0, interaction: Double = 1, start: (phi: Double, theta: Double) = (1, 1)) {
        self.curvature = curvature
        self.interaction = interaction
        phi = Parameter(Tensor([start.phi]))
        theta = Parameter(Tensor([start.theta]))
        players = [Player(name: "phi", parameters: [NamedParameter(name: "phi", parameter: phi)]),
                   Player(name: "theta", parameters: [NamedParameter(name: "theta", parameter: theta)])]
    }

    /// The bilinear game f = φθ.
    public static func bilinear(start: (phi: Double, theta: Double) = (1, 1)) -> QuadraticGame {
        QuadraticGame(curvature: 0, interaction: 1, start: start)
    }

    public func losses(on batch: Void) -> [Variable] {
        let (x, y) = (phi.variable, theta.variable)
        let coupling = (x * y).sum() * interaction
        return [x.squared().sum() * (curvature / 2) - coupling, y.squared().sum() * (curvature / 2) + coupling]
    }
}
