import ArgumentParser
import Foundation
import GANNumerics
import Synchronization

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce an experiment of the paper.",
        subcommands: [ReproduceMixtureCommand.self, ReproduceImagesCommand.self])
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
        reproduction.base.iterations = iterations
        reproduction.base.experiment = experiment
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

struct ReproduceImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "SimGD, AltGD, ConOpt and smooth on the DCGANs with and without batch norm, on MNIST.",
        discussion: """
            Trains every method on dcgan4, dcgan4_nobn and dcgan4_nobn_cf with the standard and \
            JS losses on the bundled MNIST digits, scores each run with the bundled digit \
            classifier every quarter of the run, then writes table.md (classifier score at each \
            scored iteration, final Fréchet distance and digit classes covered, mean ± std over \
            seeds), results.json and figure.png (the final 8×8 sample grids, one row per \
            method). A run that blows up is recorded as diverged. Finished runs are reused; \
            interrupted ones resume from their checkpoints.

            The default (f = 16, 2,000 iterations at lr 1e-3, ten times the paper's rate so \
            that digits appear that soon) takes about an hour on 2 cores. The paper's \
            scale, on the 60,000 MNIST training digits: --width 64 --iterations 150000 \
            --lr 1e-4 --seeds 3 --data train-images-idx3-ubyte.gz.
            """)

    private static let defaults = ImageReproduction()

    @Option(help: "Seeds per (network, loss, method).")
    var seeds = defaults.seeds

    @Option(help: "Iterations per run (scored every quarter).")
    var iterations = defaults.base.iterations

    @Option(help: "The networks' base channels f (the paper's: 64).")
    var width = defaults.base.width

    @Option(name: .customLong("lr"), help: "The learning rate of RMSProp.")
    var learningRate = defaults.base.learningRate

    @Option(help: "Samples per score.")
    var scoreSamples = defaults.base.scoreSamples

    @Option(name: .customLong("architecture"), help: "A network to include (repeat for several).")
    var architectures = defaults.architectures

    @Option(name: .customLong("loss"), help: "A loss to include (repeat for several).")
    var losses = defaults.losses

    @Option(name: .customLong("method"), help: "A method to include (repeat for several).")
    var methods = defaults.methods

    @Option(help: "MNIST IDX images (gzip or raw) to train on instead of the bundled 10,000 digits.")
    var data: String?

    @Option(help: "Runs trained at once.")
    var jobs = defaults.jobs

    @Option(help: "The output directory.")
    var out = defaults.directory

    func validate() throws {
        for (name, value) in [("--seeds", seeds), ("--iterations", iterations), ("--width", width),
                              ("--score-samples", scoreSamples), ("--jobs", jobs)] where value <= 0 {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive, got \(learningRate)") }
    }

    func run() throws {
        var reproduction = ImageReproduction()
        reproduction.seeds = seeds
        reproduction.base.iterations = iterations
        reproduction.base.width = width
        reproduction.base.learningRate = learningRate
        reproduction.base.scoreSamples = scoreSamples
        reproduction.base.data = data
        let every = max(1, iterations / 4)
        (reproduction.base.scoreEvery, reproduction.base.snapshotEvery, reproduction.base.checkpointEvery) = (every, every, every)
        (reproduction.architectures, reproduction.losses, reproduction.methods) = (architectures, losses, methods)
        reproduction.jobs = jobs
        reproduction.directory = out
        do {
            try reproduction.base.validate()
        } catch {
            throw CommandFailure(error)
        }
        let bar = Mutex(ProgressBar(total: reproduction.runCount * iterations, label: "reproduce"))
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
