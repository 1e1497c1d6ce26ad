import ArgumentParser
import Foundation
import GANNumerics

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GAN on a mixture of Gaussians or on images (defaults: the paper's MoG setting, conopt, 50,000 iterations).",
        discussion: """
            Writes a run directory: config.json, metrics.jsonl (JSON lines: iteration, both losses, \
            ‖v‖, ‖∇L‖ for ConOpt, wall time, and mode metrics every snapshot), density plots of 2,560 samples from a \
            fixed z under samples/ (PNG), a TensorBoard event file (events.out.tfevents.*: the same \
            numbers, the snapshots and tracked spectra; `tensorboard --logdir <run>`), and the checkpoint: checkpoint/ → checkpoints/iteration-N/ \
            with model.safetensors, optimizer.safetensors and state.json, committed together so a \
            run killed at any moment resumes exactly. A run that blows up stops, names the \
            iteration, and keeps its last good checkpoint.

            --resume continues the run in --out with the settings saved in its config.json; options \
            given with it must agree with them, except --iterations, which may extend the run.
            """)

    private static let defaults = TrainingConfiguration()
    private static let imageDefaults = TrainingConfiguration.defaults(for: .mnist)

    @Option(help: "The data and networks: mixtures of Gaussians (mog8, the paper's ring; mog25) or images (mnist, the bundled digits unless --data; cifar10 and images need --data) (default: \(defaults.experiment.rawValue)).")
    var experiment: TrainingConfiguration.Experiment?

    @Option(help: "Image experiments: the convolutional networks (default: \(defaults.architecture.rawValue)).")
    var architecture: ImageArchitecture?

    @Option(help: "Image experiments: MNIST IDX files or their folder, a folder of CIFAR-10 batches, a folder of PNG images or an .npy array [n, h, w, c].")
    var data: String?

    @Option(help: "How the players' directions are formed (default: \(defaults.method.rawValue)).")
    var method: TrainingConfiguration.Method?

    @Option(parsing: .unconditional, help: "The weight of the method's term: \(TrainingConfiguration.Method.allCases.compactMap { method in method.weightName.map { "\($0) of \(method.rawValue)" } }.joined(separator: ", ")) (default: \(defaults.gamma)).")
    var gamma: Double?

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "The learning rate (default: \(defaults.learningRate)).")
    var learningRate: Double?

    @Option(parsing: .unconditional, help: "Training iterations (default: \(defaults.iterations); images \(imageDefaults.iterations)).")
    var iterations: Int?

    @Option(parsing: .unconditional, help: "Samples per minibatch (default: \(defaults.batchSize); images \(imageDefaults.batchSize)).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Dimensions of the latent code z (default: \(defaults.latentSize); images \(imageDefaults.latentSize)).")
    var latentSize: Int?

    @Option(parsing: .unconditional, help: "Units per hidden layer of both MoG networks, or the base channels f of the image networks (default: \(defaults.width); images \(imageDefaults.width)).")
    var width: Int?

    @Option(parsing: .unconditional, help: "Hidden layers of both networks (default: \(defaults.depth), the paper's).")
    var depth: Int?

    @Option(parsing: .unconditional, help: "The random seed: networks, data, latent codes (default: \(defaults.seed)).")
    var seed: UInt64?

    @Option(help: "The GAN objective (default: \(defaults.loss.rawValue)).")
    var loss: GANObjective?

    @Option(help: "A penalty on the discriminator's input gradient: r1, r2 or wgan-gp (with --loss indicator) (default: \(defaults.penalty.rawValue)).")
    var penalty: TrainingConfiguration.Penalty?

    @Option(parsing: .unconditional, help: "The penalty's weight γ or λ (default: \(defaults.penaltyWeight)).")
    var penaltyWeight: Double?

    @Option(help: "The per-parameter update; rmsprop is TF1's, as the reference (default: \(defaults.stepRule.rawValue)).")
    var stepRule: TrainingConfiguration.StepRuleKind?

    @Option(parsing: .unconditional, help: "altgd: discriminator steps per iteration, each on a fresh batch (default: \(defaults.discriminatorSteps)).")
    var discriminatorSteps: Int?

    @Option(parsing: .unconditional, help: "altgd: generator steps per iteration, each on a fresh batch (default: \(defaults.generatorSteps)).")
    var generatorSteps: Int?

    @Flag(inversion: .prefixedNo, help: "extragradient: the look-ahead step also advances the step rule's state, as Gidel et al.'s ExtraAdam (default: off).")
    var extrapolationAdvancesState: Bool?

    @Option(parsing: .unconditional, help: "lookahead: fast steps between synchronisations (default: \(defaults.lookaheadPeriod)).")
    var lookaheadPeriod: Int?

    @Option(parsing: .unconditional, help: "lookahead: the slow weights' step α (default: \(defaults.lookaheadAlpha)).")
    var lookaheadAlpha: Double?

    @Option(parsing: .unconditional, help: "β of an exponential moving average of the generator, used for samples and metrics (default: \(defaults.averageDecay), none).")
    var averageDecay: Double?

    @Option(parsing: .unconditional, help: "Iterations between rows of metrics.jsonl (default: \(defaults.logEvery)).")
    var logEvery: Int?

    @Option(parsing: .unconditional, help: "Iterations between density plots or sample grids and their metrics (default: \(defaults.snapshotEvery); images \(imageDefaults.snapshotEvery)).")
    var snapshotEvery: Int?

    @Option(parsing: .unconditional, help: "Iterations between checkpoints (default: \(defaults.checkpointEvery); images \(imageDefaults.checkpointEvery)).")
    var checkpointEvery: Int?

    @Option(parsing: .unconditional, help: "Iterations between spectrum records in spectrum.jsonl, matrix-free (default: \(defaults.spectrumEvery), none).")
    var spectrumEvery: Int?

    @Option(parsing: .unconditional, help: "MNIST-like image runs: iterations between sample-quality scores (classifier score, Fréchet distance, digits covered) in metrics.jsonl (default: \(defaults.scoreEvery), none).")
    var scoreEvery: Int?

    @Option(parsing: .unconditional, help: "Samples generated for each score (default: \(defaults.scoreSamples)).")
    var scoreSamples: Int?

    @Option(parsing: .unconditional, help: "Pixels per side of the density plots (default: \(defaults.plotSize)).")
    var plotSize: Int?

    @Flag(inversion: .prefixedNo, help: "Also write a TensorBoard event file (events.out.tfevents.*): losses, ‖v‖, metrics, learning rate, steps/s, snapshots, tracked spectra; open with `tensorboard --logdir <run or reproduction>` (default: on).")
    var tensorboard: Bool?

    @Option(help: "The run directory (default: runs/<experiment>-<method>-seed<seed>).")
    var out: String?

    @Flag(help: "Continue the run in --out from its checkpoint, with its saved settings.")
    var resume = false

    @Flag(help: "Run every iteration eagerly instead of replaying a recorded one (the numbers are the same; for timing and debugging).")
    var eager = false

    /// Applies the options given to `configuration`; returns the settings they name.
    func apply(to configuration: inout TrainingConfiguration) -> [TrainingConfiguration.Setting] {
        var given: [TrainingConfiguration.Setting] = []
        func set<Value>(_ value: Value?, _ keyPath: WritableKeyPath<TrainingConfiguration, Value> & Sendable) {
            guard let value else { return }
            configuration[keyPath: keyPath] = value
            given.append(TrainingConfiguration.setting(keyPath))
        }
        set(experiment, \.experiment)
        set(method, \.method)
        set(gamma, \.gamma)
        set(learningRate, \.learningRate)
        set(iterations, \.iterations)
        set(batchSize, \.batchSize)
        set(latentSize, \.latentSize)
        set(width, \.width)
        set(depth, \.depth)
        set(architecture, \.architecture)
        if let data { set(data, \.data) }
        set(seed, \.seed)
        set(loss, \.loss)
        set(penalty, \.penalty)
        set(penaltyWeight, \.penaltyWeight)
        set(stepRule, \.stepRule)
        set(discriminatorSteps, \.discriminatorSteps)
        set(generatorSteps, \.generatorSteps)
        set(extrapolationAdvancesState, \.extrapolationAdvancesState)
        set(lookaheadPeriod, \.lookaheadPeriod)
        set(lookaheadAlpha, \.lookaheadAlpha)
        set(averageDecay, \.averageDecay)
        set(logEvery, \.logEvery)
        set(snapshotEvery, \.snapshotEvery)
        set(checkpointEvery, \.checkpointEvery)
        set(spectrumEvery, \.spectrumEvery)
        set(scoreEvery, \.scoreEvery)
        set(scoreSamples, \.scoreSamples)
        set(plotSize, \.plotSize)
        set(tensorboard, \.tensorboard)
        return given
    }

    func validate() throws {
        var configuration = TrainingConfiguration.defaults(for: experiment ?? .mog8)
        _ = apply(to: &configuration)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        var configuration = TrainingConfiguration.defaults(for: experiment ?? .mog8)
        let given = apply(to: &configuration)
        let directory = out ?? "runs/" + configuration.defaultRunName
        var progress: ProgressBar?
        do {
            let run = resume ? try TrainingRun.resuming(directory, given: given, values: configuration)
                : TrainingRun(configuration: configuration, directory: directory)
            let method = run.configuration.method.rawValue
            run.replaysSteps = !eager
            run.onStart = { start in
                progress = ProgressBar(total: run.configuration.iterations, label: method, first: start)
            }
            run.onIteration = { iteration, report in
                progress?.update(iteration, status: "g=\(short(report.losses[0])) d=\(short(report.losses[1])) ‖v‖=\(short(report.fieldNorm))")
            }
            let outcome = try run.run(resume ? .resume : .new)
            progress?.finish()
            let summary = outcome.summary
            let metrics = summary.finalMetrics
            if outcome.wasFinished {
                print("\(directory) had already finished its \(summary.iterations) iterations; its final outputs are written")
            } else {
                print("""
                    \(directory): \(summary.iterations) iterations in \(short(summary.seconds)) s \
                    (\(Int(summary.stepsPerSecond.isFinite ? summary.stepsPerSecond : 0)) it/s), peak memory \(summary.peakMemoryBytes >> 20) MiB
                    """)
            }
            if let modes = metrics.modes {
                print("modes recovered \(modes.modesRecovered)/\(modes.modeCount), high-quality samples \(short(modes.highQualityPercent))%", terminator: ", ")
            }
            if let score = metrics.score {
                print("classifier score \(short(score.classifierScore)) ± \(short(score.classifierScoreSpread)), "
                      + "Fréchet distance \(short(score.frechetDistance)), \(score.classesCovered) of 10 digits", terminator: ", ")
            }
            print("‖v‖ \(short(summary.finalFieldNorm)); samples in \(directory)/samples/")
        } catch {
            progress?.finish()
            throw CommandFailure(error)
        }
    }
}

/// Four significant digits.
func short(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return "\(value)" }
    let magnitude = abs(value)
    if magnitude >= 1e-3 && magnitude < 1e5 {
        let decimals = max(0, 3 - Int(log10(magnitude).rounded(.down)))
        return String(format: "%.\(decimals)f", value)
    }
    return String(format: "%.3e", value)
}
