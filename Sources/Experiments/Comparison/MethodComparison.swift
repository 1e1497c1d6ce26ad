import Foundation
import Formats
import Games

/// Every game method on the same game, from the same start: `gan-numerics compare`.
///
/// - `dirac`, `bilinear`: the two-dimensional games where methods are understood (the Dirac-GAN
///   of Mescheder et al. 2018 with the standard loss; f(φ, θ) = φθ). Each method runs with SGD;
///   the output shows the game's vector field with each method's trajectory, and the eigenvalues
///   of each method's update map at the equilibrium (see ``PlanarComparison``).
/// - `mog8`: the paper's mixture of Gaussians with its networks and RMSProp; a table of modes,
///   KL and milliseconds per step per method (see ``MixtureComparison``).
public struct MethodComparison: Sendable {
    public enum Game: String, CaseIterable, Sendable {
        case dirac
        case bilinear
        case mog8
    }

    public var game: Game = .dirac
    public var methods: [TrainingConfiguration.Method] = TrainingConfiguration.Method.allCases
    /// Iterations per method (nil: 400 for the planar games, the paper's 50,000 for mog8).
    public var iterations: Int?
    /// The SGD step size of the planar games (mog8 uses the paper's RMSProp 1e-4).
    public var stepSize = 0.1
    /// Runs trained at once for mog8.
    public var jobs = 2
    public var directory = "compare"

    public init() {}

    /// The weight of each method's term (the configuration's `gamma`): consensus, clipping norm,
    /// smoothing and Nagarajan–Kolter η as their papers use them on each game, λ = 1 for SGA.
    public func weight(for method: TrainingConfiguration.Method) -> Double {
        switch (method, game) {
        case (.sga, _): return 1
        case (.nk, _): return 0.5
        case (_, .mog8): return 10
        default: return 1
        }
    }

    /// "γ = 10" for a table, "—" for a method without a weight.
    func weightLabel(for method: TrainingConfiguration.Method) -> String {
        method.weightName.map { "\($0) = \(Plot.label(weight(for: method)))" } ?? "—"
    }

    /// The configuration a method runs with.
    public func configuration(for method: TrainingConfiguration.Method) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.method = method
        configuration.gamma = weight(for: method)
        switch game {
        case .dirac, .bilinear:
            configuration.stepRule = .sgd
            configuration.learningRate = stepSize
            configuration.iterations = iterations ?? 400
        case .mog8:
            if method == .acgd { configuration.stepRule = .sgd }
            configuration.iterations = iterations ?? 50_000
        }
        return configuration
    }

    /// Runs every method and writes `table.md`, `results.json` and the figures to `directory`;
    /// returns the table.
    @discardableResult
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> String {
        try FileIO.makeDirectory(directory)
        switch game {
        case .dirac:
            return try PlanarComparison(comparison: self, title: "Dirac-GAN") { DiracGAN(start: ($0, $1)) }.run()
        case .bilinear:
            return try PlanarComparison(comparison: self, title: "bilinear game f = φθ") { QuadraticGame.bilinear(start: ($0, $1)) }.run()
        case .mog8:
            return try MixtureComparison(comparison: self).run(progress: progress)
        }
    }
}
