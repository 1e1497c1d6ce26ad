import Autodiff
import Layers
import Tensors

/// One player of a game: the parameters it controls.
public struct Player {
    /// The player's name, the prefix of its parameters' names (`"generator"`).
    public let name: String
    public let parameters: [NamedParameter]

    /// A player whose parameters are already named.
    public init(name: String, parameters: [NamedParameter]) {
        self.name = name
        self.parameters = parameters
    }

    /// A player whose parameters are named `name.0`, `name.1`, ….
    public init(name: String, parameters: [Parameter]) {
        self.init(name: name, parameters: parameters.enumerated().map {
            NamedParameter(name: "\(name).\($0.offset)", parameter: $0.element)
        })
    }

    /// The number of scalars the player controls.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.parameter.value.count } }
}

/// A smooth game: each player minimises its own loss over its own parameters.
///
/// In the paper's notation the players *maximise* f and g; here each minimises its loss
/// (ℓ_φ = −f, ℓ_θ = −g), as the reference implementation does. The simultaneous gradient of the
/// losses is ξ(x) = (∇_φ ℓ_φ, ∇_θ ℓ_θ) = −v(x), where v is the paper's gradient vector field.
public protocol DifferentiableGame: AnyObject {
    /// The data one evaluation of the losses uses (a minibatch; `Void` for a deterministic game).
    associatedtype Batch

    /// The players, in a fixed order.
    var players: [Player] { get }

    /// Each player's loss (in `players` order) at the current parameters on `batch`, recorded so
    /// that it can be differentiated.
    func losses(on batch: Batch) -> [Variable]

    /// State of the game's networks that is not trained (batch normalization's running
    /// statistics), by name: checkpointed with the parameters, outside the vector field.
    var buffers: [NamedBuffer] { get }
}

extension DifferentiableGame {
    /// No buffers by default.
    public var buffers: [NamedBuffer] { [] }

    /// Every player's parameters, in player order.
    public var allParameters: [NamedParameter] { players.flatMap(\.parameters) }

    /// ξ = −v: each player's gradient of its own loss with respect to its own parameters.
    /// With `createGraph` the gradients are differentiable (for consensus optimization and
    /// Jacobians).
    public func simultaneousGradient(of losses: [Variable], createGraph: Bool = false) -> [[Variable]] {
        precondition(losses.count == players.count,
                     "simultaneousGradient: \(losses.count) losses for \(players.count) players")
        return zip(losses, players).map { loss, player in
            gradients(of: loss, wrt: player.parameters.map(\.parameter.variable), createGraph: createGraph)
        }
    }

    /// The paper's gradient vector field v = −ξ on `batch`, every player's parameters flattened
    /// into one vector in player order, recorded so that it can be differentiated (for the
    /// Jacobian v′ and its products).
    public func recordedField(on batch: Batch) -> Variable {
        let field = simultaneousGradient(of: losses(on: batch), createGraph: true)
        return -Variable.concatenate(field.joined().map { $0.reshaped([-1]) })
    }
}

/// A game given by a closure: the quickest way to put consensus optimization on your own game.
///
/// ```swift
/// let phi = Parameter(Tensor([1.0])), theta = Parameter(Tensor([1.0]))
/// let game = FunctionGame(players: [Player(name: "phi", parameters: [phi]),
///                                   Player(name: "theta", parameters: [theta])]) {
///     let f = (phi.variable * theta.variable).sum()
///     return [-f, f]           // φ maximises f = φθ, θ maximises g = −f
/// }
/// ```
public final class FunctionGame: DifferentiableGame {
    public typealias Batch = Void
    public let players: [Player]
    private let lossFunction: () -> [Variable]

    public init(players: [Player], losses: @escaping () -> [Variable]) {
        self.players = players
        lossFunction = losses
    }

    public func losses(on batch: Void) -> [Variable] {
        lossFunction()
    }
}
