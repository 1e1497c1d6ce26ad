import Games

/// Everything that defines a training run; saved as `config.json` in the run directory.
/// The defaults are the paper's mixture-of-Gaussians setting (SPEC §3).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The data and networks.
    public enum Experiment: String, Codable, CaseIterable, Sendable {
        /// 8 Gaussians on the unit circle, σ = 0.01 (the paper).
        case mog8
        /// The 5×5 grid {−4, −2, 0, 2, 4}², σ = 0.05 (VEEGAN/PacGAN).
        case mog25
    }

    /// How the players' directions are formed (SPEC §2, the reference's `--optimizer`).
    public enum Method: String, Codable, CaseIterable, Sendable {
        case simgd, altgd, conopt, clip, smooth
    }

    /// The per-parameter update.
    public enum StepRuleKind: String, Codable, CaseIterable, Sendable {
        /// TF1's RMSProp, as the reference (ρ = 0.9, ε = 1e-10 inside the root, mean square from 1).
        case rmsprop
        /// PyTorch's RMSprop (ρ = 0.99, ε = 1e-8 outside the root, mean square from 0).
        case rmspropPytorch = "rmsprop-pytorch"
        case adam
        case sgd
    }

    public var experiment: Experiment = .mog8
    public var method: Method = .conopt
    /// γ: the consensus weight (conopt, smooth) or the clipping norm (clip).
    public var gamma: Double = 10
    public var learningRate: Double = 1e-4
    public var iterations: Int = 50_000
    public var batchSize: Int = 512
    public var latentSize: Int = 16
    /// Units per hidden layer of both networks (the paper: 16).
    public var width: Int = 16
    /// Hidden layers of both networks (the paper: 4).
    public var depth: Int = 4
    public var seed: UInt64 = 0
    public var loss: GANObjective = .standard
    public var stepRule: StepRuleKind = .rmsprop
    /// AltGD: discriminator steps per iteration (each on a fresh batch).
    public var discriminatorSteps: Int = 1
    /// AltGD: generator steps per iteration (each on a fresh batch).
    public var generatorSteps: Int = 1
    /// Iterations between rows of `metrics.jsonl`.
    public var logEvery: Int = 100
    /// Iterations between density plots (and mode metrics).
    public var snapshotEvery: Int = 500
    /// Iterations between checkpoints.
    public var checkpointEvery: Int = 5_000
    /// Iterations between spectrum summaries (0: none).
    public var spectrumEvery: Int = 0
    /// Pixels per side of the density plots.
    public var plotSize: Int = 256

    public init() {}

    /// Reads a saved configuration; settings it lacks (written by an older version) keep their
    /// defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            value = try container.decodeIfPresent(T.self, forKey: key) ?? value
        }
        try read(.experiment, &experiment)
        try read(.method, &method)
        try read(.gamma, &gamma)
        try read(.learningRate, &learningRate)
        try read(.iterations, &iterations)
        try read(.batchSize, &batchSize)
        try read(.latentSize, &latentSize)
        try read(.width, &width)
        try read(.depth, &depth)
        try read(.seed, &seed)
        try read(.loss, &loss)
        try read(.stepRule, &stepRule)
        try read(.discriminatorSteps, &discriminatorSteps)
        try read(.generatorSteps, &generatorSteps)
        try read(.logEvery, &logEvery)
        try read(.snapshotEvery, &snapshotEvery)
        try read(.checkpointEvery, &checkpointEvery)
        try read(.spectrumEvery, &spectrumEvery)
        try read(.plotSize, &plotSize)
    }

    private enum CodingKeys: String, CodingKey {
        case experiment, method, gamma, learningRate, iterations, batchSize, latentSize, width, depth, seed, loss
        case stepRule, discriminatorSteps, generatorSteps, logEvery, snapshotEvery, checkpointEvery, spectrumEvery
        case plotSize
    }

    /// The first problem with the settings, if any.
    public func validate() throws(ConfigurationError) {
        guard gamma >= 0 else { throw ConfigurationError("--gamma must be non-negative, got \(gamma)") }
        guard learningRate > 0 && learningRate.isFinite else {
            throw ConfigurationError("--lr must be positive, got \(learningRate)")
        }
        guard iterations >= 0 else { throw ConfigurationError("--iterations must be non-negative, got \(iterations)") }
        guard batchSize > 0 else { throw ConfigurationError("--batch-size must be positive, got \(batchSize)") }
        guard latentSize > 0 else { throw ConfigurationError("--latent-size must be positive, got \(latentSize)") }
        guard width > 0 && depth >= 0 else { throw ConfigurationError("--width must be positive and --depth non-negative") }
        for (name, value) in [("log", logEvery), ("snapshot", snapshotEvery), ("checkpoint", checkpointEvery)] where value <= 0 {
            throw ConfigurationError("--\(name)-every must be positive, got \(value)")
        }
        guard discriminatorSteps > 0 && generatorSteps > 0 else {
            throw ConfigurationError("--discriminator-steps and --generator-steps must be positive")
        }
        guard plotSize >= 16 && plotSize <= 4096 else { throw ConfigurationError("--plot-size must be in 16...4096, got \(plotSize)") }
        guard spectrumEvery >= 0 else { throw ConfigurationError("--spectrum-every must be non-negative, got \(spectrumEvery)") }
    }

    /// A directory name that identifies the run.
    public var defaultRunName: String { "\(experiment.rawValue)-\(method.rawValue)-seed\(seed)" }
}

extension GANObjective: Codable {}

/// Settings that do not make sense together.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
