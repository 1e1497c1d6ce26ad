import ArgumentParser
import GANNumerics

extension TrainingConfiguration.Method: ExpressibleByArgument {}

struct MixtureStepBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "mog-step",
        abstract: "Steps/s and ms per step of game methods on the paper's mixture-of-Gaussians GAN (RMSProp; SGD for acgd).")

    @Option(parsing: .upToNextOption, help: "Methods to time (default: simgd conopt; `all` for every method).")
    var methods: [String] = ["simgd", "conopt"]

    @Option(help: "Batch size.")
    var batchSize = 512

    /// How the steps run.
    enum Execution: String, CaseIterable, ExpressibleByArgument {
        case eager
        case replayed
    }

    @Option(parsing: .upToNextOption, help: "How the steps run; several are timed one after another (replayed: a recorded step, eager where the method cannot be replayed).")
    var execution: [Execution] = Execution.allCases

    func validate() throws {
        for name in methods where name != "all" && TrainingConfiguration.Method(rawValue: name) == nil {
            throw ValidationError("unknown method '\(name)'; one of \(TrainingConfiguration.Method.allCases.map(\.rawValue).joined(separator: ", ")) or all")
        }
    }

    func figures() -> [Figure] {
        let chosen = methods.contains("all") ? TrainingConfiguration.Method.allCases : methods.compactMap(TrainingConfiguration.Method.init)
        return chosen.flatMap { method in
            execution.map { how in
                let rate = stepsPerSecond(method: method, batchSize: batchSize, replayed: how == .replayed)
                return reported(Figure(name: "mog8 step \(method.rawValue), batch \(batchSize), \(how.rawValue)", value: rate, unit: "steps/s"))
            }
        }
    }
}

/// Steps/s of one method on the paper's MoG game (γ = 10, λ = 1 for SGA), data and noise drawn
/// outside the timed step (16 pre-drawn batches cycled, as the peer script does); `replayed`
/// times a ``ReplayedStep`` (eager where the method cannot be replayed).
func stepsPerSecond(method: TrainingConfiguration.Method, batchSize: Int, replayed: Bool = false) -> Double {
    var configuration = TrainingConfiguration()
    configuration.method = method
    configuration.batchSize = batchSize
    if method == .sga { configuration.gamma = 1 }
    if method == .acgd { configuration.stepRule = .sgd }
    let experiment = MixtureExperiment(configuration: configuration)
    var generator = RandomGenerator(seed: 0)
    let batches = (0..<16).map { _ in experiment.batch(using: &generator) }
    var state = OptimizerState()
    var index = 0
    let replay = ReplayedStep(optimizer: experiment.optimizer, game: experiment.game)
    let seconds = secondsPerCall(minimumSeconds: 2) {
        let next = { () -> GenerativeAdversarialGame.Batch in
            defer { index += 1 }
            return batches[index % 16]
        }
        _ = replayed ? replay.step(state: &state, nextBatch: next) : experiment.optimizer.step(experiment.game, state: &state, nextBatch: next)
    }
    return 1 / seconds
}
