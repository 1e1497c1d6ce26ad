import ArgumentParser
import Foundation
import GANNumerics
import Synchronization

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce an experiment of the paper.",
        subcommands: [ReproduceMixtureCommand.self])
}

struct ReproduceMixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mog",
        abstract: "SimGD against ConOpt on the mixture of Gaussians, over several seeds.",
        discussion: """
            Trains each method on each seed with the paper's settings (RMSProp lr 1e-4, γ = 10, \
            batch 512, 50,000 iterations), then writes table.md (modes recovered and high-quality \
            samples at 10k, 20k and 50k iterations, mean ± std over seeds), results.json and \
            figure.png (the first seed's density plots, one row per method). Finished runs are \
            reused; interrupted ones resume from their checkpoints.
            """)

    @Option(help: "Seeds per method.")
    var seeds = 5

    @Option(help: "Iterations per run.")
    var iterations = 50_000

    @Option(help: "mog8 (the paper's ring) or mog25.")
    var experiment: TrainingConfiguration.Experiment = .mog8

    @Option(help: "Runs trained at once.")
    var jobs = 2

    @Option(help: "The output directory.")
    var out = "reproduce/mog"

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be positive, got \(seeds)") }
        guard iterations > 0 else { throw ValidationError("--iterations must be positive, got \(iterations)") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive, got \(jobs)") }
    }

    func run() throws {
        var reproduction = MixtureReproduction()
        reproduction.seeds = seeds
        reproduction.iterations = iterations
        reproduction.experiment = experiment
        reproduction.jobs = jobs
        reproduction.directory = out
        let bar = Mutex(ProgressBar(total: 2 * seeds * iterations, label: "reproduce"))
        do {
            try reproduction.run { done, _ in bar.withLock { $0.update(done) } }
            bar.withLock { $0.finish() }
            print(try String(contentsOfFile: out + "/table.md", encoding: .utf8))
            print("Figure: \(out)/figure.png; runs under \(out)/runs/")
        } catch {
            bar.withLock { $0.finish() }
            throw CommandFailure(error)
        }
    }
}
