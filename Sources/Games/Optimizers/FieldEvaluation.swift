import Autodiff
import Tensors

/// A game at one point, on one batch: the recorded losses, each player's gradient of its own loss
/// ξ_p = ∇_p ℓ_p (the simultaneous gradient ξ = −v), and the second-order products of ξ that
/// direction transforms need, all exact (reverse and forward mode through the recorded graph).
///
/// H = ∂ξ/∂w is the Jacobian of the simultaneous gradient with respect to every parameter w
/// (the paper's −v′). Its blocks H_pq = ∂ξ_p/∂w_q are the players' mixed second derivatives.
public final class FieldEvaluation {
    /// Each player's loss, recorded.
    public let losses: [Variable]
    /// Each player's parameters (the leaves the losses were computed from).
    public let parameters: [[Variable]]
    /// Each player's parameter names, for state kept by name.
    public let names: [[String]]
    /// ξ_p for each player, recorded (differentiable) when ``isRecorded``.
    public let gradients: [[Variable]]
    /// Whether `gradients` can be differentiated again.
    public let isRecorded: Bool
    /// ∇L, L = ½‖ξ‖² over every player, once a transform has computed it.
    private var consensusGradient: [Tensor]?

    /// ‖∇L‖, L = ½‖ξ‖² over every player, once a transform has computed ∇L (read when asked, so
    /// a replayed step reports its own).
    public var consensusGradientNorm: Double? { consensusGradient.map { norm([$0]) } }

    /// Evaluates `game` at its current parameters on `batch`; `record` keeps the gradients
    /// differentiable, which second-order transforms need.
    public init<Game: DifferentiableGame>(_ game: Game, on batch: Game.Batch, record: Bool) {
        losses = game.losses(on: batch)
        parameters = game.players.map { $0.parameters.map(\.parameter.variable) }
        names = game.players.map { $0.parameters.map(\.name) }
        gradients = game.simultaneousGradient(of: losses, createGraph: record)
        isRecorded = record
    }

    /// ξ as tensors.
    public var field: [[Tensor]] { gradients.map { $0.map(\.value) } }

    /// Each player's loss as a number.
    public var lossValues: [Double] { losses.map { $0.value.item } }

    /// Hᵀu restricted to the parameters of `players`: ∇_w ⟨ξ, u⟩ (a vector-Jacobian product;
    /// u given for every player, nil where it is zero).
    public func transposedProduct(_ u: [[Tensor]?], forPlayers players: [Int]? = nil) -> [[Tensor]] {
        requireRecorded("Hᵀu")
        let present = u.indices.filter { u[$0] != nil }
        let targets = players ?? Array(parameters.indices)
        let flat = Autodiff.gradients(of: present.flatMap { gradients[$0] }, wrt: targets.flatMap { parameters[$0] },
                             seeds: present.flatMap { u[$0]!.map { Variable($0) } })
        return split(flat.map(\.value), by: targets)
    }

    /// H·u for the rows of `players`: the directional derivative of ξ along u, by forward mode
    /// (u given for every player, nil where it is zero).
    public func product(_ u: [[Tensor]?], forPlayers players: [Int]? = nil) -> [[Tensor]] {
        requireRecorded("Hu")
        let rows = players ?? Array(parameters.indices)
        let present = u.indices.filter { u[$0] != nil }
        let flat = jacobianVectorProduct(of: rows.flatMap { gradients[$0] }, wrt: present.flatMap { parameters[$0] },
                                         tangents: present.flatMap { u[$0]! })
        return split(flat.map(\.value), by: rows)
    }

    /// ∇ over the parameters of `players` of ½‖ξ_q‖² summed over `of` players (the consensus
    /// regulariser for all of them; the smoothing penalty for one).
    public func halfSquaredNormGradient(of penalized: [Int], forPlayers players: [Int]) -> [[Tensor]] {
        requireRecorded("∇½‖ξ‖²")
        let regularizer = FieldEvaluation.halfSquaredNorm(penalized.flatMap { gradients[$0] })
        let flat = Autodiff.gradients(of: regularizer, wrt: players.flatMap { parameters[$0] }).map(\.value)
        let everyone = Array(parameters.indices)
        if penalized == everyone && players == everyone {
            consensusGradient = flat
        }
        return split(flat, by: players)
    }

    /// ½ Σ‖t‖² over `tensors`, recorded.
    public static func halfSquaredNorm(_ tensors: [Variable]) -> Variable {
        let terms = tensors.map { $0.squared().sum() }
        guard var total = terms.first else { return Variable(Tensor.scalar(0)) }
        for term in terms.dropFirst() { total = total + term }
        return total * 0.5
    }

    /// Splits a flat list of per-parameter tensors into the players `players`.
    private func split(_ flat: [Tensor], by players: [Int]) -> [[Tensor]] {
        var iterator = flat.makeIterator()
        return players.map { player in parameters[player].map { _ in iterator.next()! } }
    }

    private func requireRecorded(_ what: String) {
        precondition(isRecorded, "FieldEvaluation: \(what) needs the gradients recorded (a transform must declare needsRecordedGradients)")
    }
}

/// √(Σ‖t‖²) over nested lists of tensors, in Double.
public func norm(_ tensors: [[Tensor]]) -> Double {
    tensors.joined().reduce(0) { $0 + $1.squaredNorm() }.squareRoot()
}

/// Σ⟨a, b⟩ over nested lists of tensors, in Double.
public func inner(_ a: [[Tensor]], _ b: [[Tensor]]) -> Double {
    zip(a.joined(), b.joined()).reduce(0) { $0 + ($1.0 * $1.1).sum().item }
}
