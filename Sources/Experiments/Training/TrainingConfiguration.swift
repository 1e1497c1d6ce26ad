import Foundation
import Games

/// Everything that defines a training run; saved as `config.json` in the run directory.
/// The defaults are the paper's mixture-of-Gaussians setting (SPEC §3); ``defaults(for:)`` gives
/// the paper's image settings.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The data and networks.
    public enum Experiment: String, Codable, CaseIterable, Sendable {
        /// 8 Gaussians on the unit circle, σ = 0.01 (the paper).
        case mog8
        /// The 5×5 grid {−4, −2, 0, 2, 4}², σ = 0.05 (VEEGAN/PacGAN).
        case mog25
        /// MNIST digits padded to 32×32: the bundled test set, or IDX files given by `data`.
        case mnist
        /// CIFAR-10 binary batches in the directory `data`.
        case cifar10
        /// A folder of PNG images (centre-cropped and resized to the net's size) or an `.npy`
        /// array [n, h, w, c], given by `data`.
        case images

        /// Whether this is an image experiment (convolutional networks).
        public var isImage: Bool { self != .mog8 && self != .mog25 }
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
    /// The weight of the method's term: γ of conopt and smooth, the clipping norm of clip, λ of
    /// sga, η of nk.
    public var gamma: Double = 10
    public var learningRate: Double = 1e-4
    public var iterations: Int = 50_000
    public var batchSize: Int = 512
    public var latentSize: Int = 16
    /// Units per hidden layer of both networks (the paper's MoG: 16), or the base number of
    /// channels f of a convolutional architecture (the paper: 64).
    public var width: Int = 16
    /// Hidden layers of both networks (the paper: 4); MoG only.
    public var depth: Int = 4
    /// The convolutional networks of an image experiment.
    public var architecture: ImageArchitecture = .dcgan4
    /// The data of an image experiment (nil: the bundled MNIST for `mnist`).
    public var data: String?
    public var seed: UInt64 = 0
    public var loss: GANObjective = .standard
    /// A penalty on the discriminator's input gradient (R1, R2, WGAN-GP) and its weight.
    public var penalty: Penalty = .none
    public var penaltyWeight: Double = 10
    public var stepRule: StepRuleKind = .rmsprop
    /// AltGD: discriminator steps per iteration (each on a fresh batch).
    public var discriminatorSteps: Int = 1
    /// AltGD: generator steps per iteration (each on a fresh batch).
    public var generatorSteps: Int = 1
    /// Extragradient: whether the look-ahead step advances the step rule's state (as Gidel et
    /// al.'s ExtraAdam does) or steps from a copy that is discarded.
    public var extrapolationAdvancesState = false
    /// Lookahead: fast steps between synchronisations, and the slow weights' step.
    public var lookaheadPeriod: Int = 5
    public var lookaheadAlpha: Double = 0.5
    /// β of the generator's exponential moving average for samples and metrics (0: none).
    public var averageDecay: Double = 0
    /// Iterations between rows of `metrics.jsonl`.
    public var logEvery: Int = 100
    /// Iterations between density plots (and mode metrics).
    public var snapshotEvery: Int = 500
    /// Iterations between checkpoints.
    public var checkpointEvery: Int = 5_000
    /// Iterations between spectrum summaries (0: none).
    public var spectrumEvery: Int = 0
    /// Iterations between sample-quality scores of MNIST-like runs (0: none).
    public var scoreEvery: Int = 0
    /// Samples generated for each score during training.
    public var scoreSamples: Int = 5000
    /// Pixels per side of the density plots.
    public var plotSize: Int = 256
    /// Whether the run also writes a TensorBoard event file.
    public var tensorboard = true

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
        try read(.architecture, &architecture)
        data = try container.decodeIfPresent(String.self, forKey: .data)
        try read(.seed, &seed)
        try read(.loss, &loss)
        try read(.penalty, &penalty)
        try read(.penaltyWeight, &penaltyWeight)
        try read(.stepRule, &stepRule)
        try read(.discriminatorSteps, &discriminatorSteps)
        try read(.generatorSteps, &generatorSteps)
        try read(.extrapolationAdvancesState, &extrapolationAdvancesState)
        try read(.lookaheadPeriod, &lookaheadPeriod)
        try read(.lookaheadAlpha, &lookaheadAlpha)
        try read(.averageDecay, &averageDecay)
        try read(.logEvery, &logEvery)
        try read(.snapshotEvery, &snapshotEvery)
        try read(.checkpointEvery, &checkpointEvery)
        try read(.spectrumEvery, &spectrumEvery)
        try read(.scoreEvery, &scoreEvery)
        try read(.scoreSamples, &scoreSamples)
        try read(.plotSize, &plotSize)
        try read(.tensorboard, &tensorboard)
    }

    private enum CodingKeys: String, CodingKey {
        case experiment, method, gamma, learningRate, iterations, batchSize, latentSize, width, depth, architecture, data, seed, loss
        case penalty, penaltyWeight, stepRule, discriminatorSteps, generatorSteps, extrapolationAdvancesState
        case lookaheadPeriod, lookaheadAlpha, averageDecay, logEvery, snapshotEvery, checkpointEvery, spectrumEvery
        case scoreEvery, scoreSamples, plotSize, tensorboard
    }

    /// The first problem with the settings, if any: a value out of range, or a run too large
    /// for this machine's memory (see ``memoryEstimate``). Checked before anything is allocated,
    /// for settings from the command line and from saved runs alike.
    public func validate() throws(ConfigurationError) {
        guard gamma >= 0 && gamma.isFinite else { throw ConfigurationError("--gamma must be non-negative, got \(gamma)") }
        guard learningRate > 0 && learningRate.isFinite else {
            throw ConfigurationError("--lr must be positive, got \(learningRate)")
        }
        guard iterations >= 0 else { throw ConfigurationError("--iterations must be non-negative, got \(iterations)") }
        for (option, value) in [("--batch-size", batchSize), ("--latent-size", latentSize), ("--width", width)] where value <= 0 {
            throw ConfigurationError("\(option) must be positive, got \(value)")
        }
        guard depth >= 0 else { throw ConfigurationError("--depth must be non-negative, got \(depth)") }
        for (option, value) in [("--log-every", logEvery), ("--snapshot-every", snapshotEvery),
                                ("--checkpoint-every", checkpointEvery)] where value <= 0 {
            throw ConfigurationError("\(option) must be positive, got \(value)")
        }
        guard discriminatorSteps > 0 && generatorSteps > 0 else {
            throw ConfigurationError("--discriminator-steps and --generator-steps must be positive")
        }
        guard penaltyWeight >= 0 && penaltyWeight.isFinite else {
            throw ConfigurationError("--penalty-weight must be non-negative, got \(penaltyWeight)")
        }
        guard lookaheadPeriod > 0 && lookaheadAlpha > 0 && lookaheadAlpha <= 1 else {
            throw ConfigurationError("--lookahead-period must be positive and --lookahead-alpha in (0, 1]")
        }
        guard averageDecay >= 0 && averageDecay < 1 else {
            throw ConfigurationError("--average-decay must be in [0, 1), got \(averageDecay)")
        }
        if method == .acgd && stepRule != .sgd {
            throw ConfigurationError("acgd adapts its own step sizes inside its solve; use --step-rule sgd")
        }
        guard plotSize >= 16 && plotSize <= 4096 else { throw ConfigurationError("--plot-size must be in 16...4096, got \(plotSize)") }
        guard spectrumEvery >= 0 else { throw ConfigurationError("--spectrum-every must be non-negative, got \(spectrumEvery)") }
        guard scoreEvery >= 0 else { throw ConfigurationError("--score-every must be non-negative, got \(scoreEvery)") }
        guard scoreSamples >= 10 && scoreSamples <= 1_000_000 else {
            throw ConfigurationError("--score-samples must be in 10...1000000 (10 splits), got \(scoreSamples)")
        }
        if scoreEvery > 0 && !experiment.isImage {
            throw ConfigurationError("--score-every scores generated digits; \(experiment.rawValue) runs log their modes instead")
        }
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard memoryEstimate <= available else {
            throw ConfigurationError("""
                this configuration needs about \(gibibytes(memoryEstimate)) of memory \
                (\(Int(min(parameterCount, 1e18))) parameters, batch \(batchSize)); this machine has \(gibibytes(available))
                """)
        }
    }

    /// A setting as the command line names it, and where the configuration keeps it.
    public struct Setting: Sendable, Hashable {
        /// The command-line option, `--lr`.
        public let option: String
        public let keyPath: PartialKeyPath<TrainingConfiguration> & Sendable

        public static func == (a: Setting, b: Setting) -> Bool { a.keyPath == b.keyPath }
        public func hash(into hasher: inout Hasher) { hasher.combine(keyPath) }

        /// This setting's value in `configuration`, comparable across configurations.
        public func value(in configuration: TrainingConfiguration) -> AnyHashable {
            configuration[keyPath: keyPath] as! AnyHashable
        }

        /// This setting's value in `configuration` as the command line spells it: a choice by its
        /// raw value, a missing optional as "none".
        public func text(in configuration: TrainingConfiguration) -> String {
            func text(of value: Any) -> String {
                let mirror = Mirror(reflecting: value)
                if mirror.displayStyle == .optional { return mirror.children.first.map { text(of: $0.value) } ?? "none" }
                if let named = value as? any RawRepresentable<String> { return named.rawValue }
                return "\(value)"
            }
            return text(of: value(in: configuration).base)
        }
    }

    /// Every setting, in the order `train --help` lists them: the one list the command line, the
    /// resume check and the error messages derive from.
    public static let settings: [Setting] = [
        Setting(option: "--experiment", keyPath: \.experiment), Setting(option: "--method", keyPath: \.method),
        Setting(option: "--gamma", keyPath: \.gamma), Setting(option: "--lr", keyPath: \.learningRate),
        Setting(option: "--iterations", keyPath: \.iterations), Setting(option: "--batch-size", keyPath: \.batchSize),
        Setting(option: "--latent-size", keyPath: \.latentSize), Setting(option: "--width", keyPath: \.width),
        Setting(option: "--depth", keyPath: \.depth), Setting(option: "--architecture", keyPath: \.architecture),
        Setting(option: "--data", keyPath: \.data), Setting(option: "--seed", keyPath: \.seed),
        Setting(option: "--loss", keyPath: \.loss), Setting(option: "--penalty", keyPath: \.penalty),
        Setting(option: "--penalty-weight", keyPath: \.penaltyWeight), Setting(option: "--step-rule", keyPath: \.stepRule),
        Setting(option: "--discriminator-steps", keyPath: \.discriminatorSteps),
        Setting(option: "--generator-steps", keyPath: \.generatorSteps),
        Setting(option: "--extrapolation-advances-state", keyPath: \.extrapolationAdvancesState),
        Setting(option: "--lookahead-period", keyPath: \.lookaheadPeriod),
        Setting(option: "--lookahead-alpha", keyPath: \.lookaheadAlpha), Setting(option: "--average-decay", keyPath: \.averageDecay),
        Setting(option: "--log-every", keyPath: \.logEvery),
        Setting(option: "--snapshot-every", keyPath: \.snapshotEvery),
        Setting(option: "--checkpoint-every", keyPath: \.checkpointEvery),
        Setting(option: "--spectrum-every", keyPath: \.spectrumEvery), Setting(option: "--score-every", keyPath: \.scoreEvery),
        Setting(option: "--score-samples", keyPath: \.scoreSamples), Setting(option: "--plot-size", keyPath: \.plotSize),
        Setting(option: "--tensorboard", keyPath: \.tensorboard),
    ]

    /// The setting kept at `keyPath`.
    public static func setting(_ keyPath: PartialKeyPath<TrainingConfiguration>) -> Setting {
        settings.first { $0.keyPath == keyPath }!
    }

    /// The settings among `candidates` whose values differ between this configuration and `other`.
    public func differences(from other: TrainingConfiguration, among candidates: [Setting] = settings) -> [Setting] {
        candidates.filter { $0.value(in: self) != $0.value(in: other) }
    }

    /// A directory name that identifies the run.
    public var defaultRunName: String { "\(experiment.rawValue)-\(method.rawValue)-seed\(seed)" }
}

extension GANObjective: Codable {}

/// A byte count in GiB (or MiB below one GiB), for messages.
func gibibytes(_ bytes: Double) -> String {
    let (mebi, gibi) = (Double(1 << 20), Double(1 << 30))
    return bytes >= gibi ? String(format: "%.1f GiB", bytes / gibi) : String(format: "%.0f MiB", bytes / mebi)
}

/// Settings that do not make sense together.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
