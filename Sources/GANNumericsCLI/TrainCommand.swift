import ArgumentParser
import Foundation
import GANNumerics

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GAN on a mixture of Gaussians (defaults: the paper's setting, conopt, 50,000 iterations).",
        discussion: """
            Writes a run directory: config.json, metrics.jsonl (JSON lines: iteration, both losses, \
            ‖v‖, wall time, and mode metrics every snapshot), density plots of 2,560 samples from a \
            fixed z under samples/ (PNG), and checkpoint.safetensors + optimizer.safetensors. \
            A run that blows up stops, names the iteration, and keeps its last good checkpoint.
            """)

    @Option(help: "The data and networks: mog8 (the paper's ring) or mog25 (the 5×5 grid).")
    var experiment: TrainingConfiguration.Experiment = .mog8

    @Option(help: "simgd, altgd, conopt, clip or smooth.")
    var method: TrainingConfiguration.Method = .conopt

    @Option(parsing: .unconditional, help: "γ: the consensus weight (conopt, smooth) or the clipping norm (clip).")
    var gamma: Double = 10

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "The learning rate.")
    var learningRate: Double = 1e-4

    @Option(help: "Training iterations.")
    var iterations: Int = 50_000

    @Option(help: "Samples per minibatch.")
    var batchSize: Int = 512

    @Option(help: "Units per hidden layer of both networks (the paper: 16).")
    var width = 16

    @Option(help: "Hidden layers of both networks (the paper: 4).")
    var depth = 4

    @Option(help: "The random seed (networks, data, latent codes).")
    var seed: UInt64 = 0

    @Option(help: "The GAN objective: standard, JS, KL, tv or indicator.")
    var loss: GANObjective = .standard

    @Option(help: "rmsprop (TF1, as the reference), rmsprop-pytorch, adam or sgd.")
    var stepRule: TrainingConfiguration.StepRuleKind = .rmsprop

    @Option(help: "altgd: discriminator steps per iteration, each on a fresh batch.")
    var discriminatorSteps = 1

    @Option(help: "altgd: generator steps per iteration, each on a fresh batch.")
    var generatorSteps = 1

    @Option(help: "Iterations between density plots and mode metrics.")
    var snapshotEvery: Int = 500

    @Option(help: "Iterations between checkpoints.")
    var checkpointEvery: Int = 5_000

    @Option(help: "Iterations between spectrum records (spectrum.jsonl, matrix-free; 0: none).")
    var spectrumEvery = 0

    @Option(help: "Pixels per side of the density plots.")
    var plotSize: Int = 256

    @Option(help: "The run directory (default: runs/<experiment>-<method>-seed<seed>).")
    var out: String?

    @Flag(help: "Continue the run in --out from its checkpoint.")
    var resume = false

    var trainingConfiguration: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.experiment = experiment
        configuration.method = method
        configuration.gamma = gamma
        configuration.learningRate = learningRate
        configuration.iterations = iterations
        configuration.batchSize = batchSize
        configuration.seed = seed
        configuration.loss = loss
        configuration.stepRule = stepRule
        configuration.snapshotEvery = snapshotEvery
        configuration.checkpointEvery = checkpointEvery
        configuration.plotSize = plotSize
        configuration.discriminatorSteps = discriminatorSteps
        configuration.generatorSteps = generatorSteps
        configuration.width = width
        configuration.depth = depth
        configuration.spectrumEvery = spectrumEvery
        return configuration
    }

    func validate() throws {
        do {
            try trainingConfiguration.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let configuration = trainingConfiguration
        let directory = out ?? "runs/" + configuration.defaultRunName
        let run = TrainingRun(configuration: configuration, directory: directory)
        let progress = ProgressBar(total: configuration.iterations, label: configuration.method.rawValue)
        run.onIteration = { iteration, report in
            progress.update(iteration, status: "g=\(short(report.losses[0])) d=\(short(report.losses[1])) ‖v‖=\(short(report.fieldNorm))")
        }
        do {
            let summary = try run.run(resume: resume)
            progress.finish()
            let metrics = summary.finalMetrics
            print("""
                \(directory): \(summary.iterations) iterations in \(short(summary.seconds)) s \
                (\(Int(summary.stepsPerSecond)) it/s), peak memory \(summary.peakMemoryBytes >> 20) MiB
                modes recovered \(metrics.modesRecovered)/\(metrics.modeCount), high-quality samples \
                \(short(metrics.highQualityPercent))%, ‖v‖ \(short(summary.finalFieldNorm))
                """)
        } catch {
            progress.finish()
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
