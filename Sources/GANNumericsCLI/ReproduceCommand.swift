import ArgumentParser
import Foundation
import GANNumerics
import Synchronization

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce an experiment of the paper.",
        subcommands: [ReproduceMixtureCommand.self, ReproduceImagesCommand.self])

    /// Refuses the first option that is not positive.
    static func requirePositive(_ options: KeyValuePairs<String, Int>) throws {
        if let (name, value) = options.first(where: { $0.value <= 0 }) {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
    }

    /// Checks the runs' shared settings, runs a reproduction (`body`, given a progress callback)
    /// with a progress bar over `iterations` in all, then prints its table and where its figure
    /// and runs are.
    static func run(settings: TrainingConfiguration, iterations: Int, out: String,
                    _ body: (@escaping @Sendable (Int, Int) -> Void) throws -> Void) throws {
        do {
            try settings.validate()
        } catch {
            throw CommandFailure(error)
        }
        let bar = Mutex(ProgressBar(total: iterations, label: "reproduce"))
        do {
            try body { done, _ in bar.withLock { $0.update(done) } }
            bar.withLock { $0.finish() }
            print(try String(contentsOfFile: out + "/table.md", encoding: .utf8))
            print("Figure: \(out)/figure.png; runs under \(out)/runs/")
        } catch {
            bar.withLock { $0.finish() }
            throw CommandFailure(error)
        }
    }
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

    @Option(parsing: .unconditional, help: "Seeds per method.")
    var seeds = 5

    @Option(parsing: .unconditional, help: "Iterations per run.")
    var iterations = 50_000

    @Option(help: "mog8 (the paper's ring) or mog25.")
    var experiment = MixtureChoice(.mog8)

    @Option(parsing: .unconditional, help: "Runs trained at once.")
    var jobs = 2

    @Option(help: "The output directory.")
    var out = "reproduce/mog"

    func validate() throws {
        try ReproduceCommand.requirePositive(["--seeds": seeds, "--iterations": iterations, "--jobs": jobs])
    }

    func run() throws {
        var reproduction = MixtureReproduction()
        reproduction.seeds = seeds
        reproduction.base.iterations = iterations
        reproduction.base.experiment = experiment.experiment
        reproduction.jobs = jobs
        reproduction.directory = out
        try ReproduceCommand.run(settings: reproduction.base, iterations: reproduction.methods.count * seeds * iterations, out: out) {
            try reproduction.run(progress: $0)
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

    @Option(parsing: .unconditional, help: "Seeds per (network, loss, method).")
    var seeds = defaults.seeds

    @Option(parsing: .unconditional, help: "Iterations per run (scored every quarter).")
    var iterations = defaults.base.iterations

    @Option(parsing: .unconditional, help: "The networks' base channels f (the paper's: 64).")
    var width = defaults.base.width

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "The learning rate of RMSProp.")
    var learningRate = defaults.base.learningRate

    @Option(parsing: .unconditional, help: "Samples per score.")
    var scoreSamples = defaults.base.scoreSamples

    @Option(name: .customLong("architecture"), help: "A network to include (repeat for several).")
    var architectures = defaults.architectures

    @Option(name: .customLong("loss"), help: "A loss to include (repeat for several).")
    var losses = defaults.losses

    @Option(name: .customLong("method"), help: "A method to include (repeat for several).")
    var methods = defaults.methods

    @Option(help: "MNIST IDX images (gzip or raw) to train on instead of the bundled 10,000 digits.")
    var data: String?

    @Option(parsing: .unconditional, help: "Runs trained at once.")
    var jobs = defaults.jobs

    @Option(help: "The output directory.")
    var out = defaults.directory

    func validate() throws {
        try ReproduceCommand.requirePositive(["--seeds": seeds, "--iterations": iterations, "--width": width,
                                              "--score-samples": scoreSamples, "--jobs": jobs])
        guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--lr must be positive and finite, got \(learningRate)") }
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
        try ReproduceCommand.run(settings: reproduction.base, iterations: reproduction.runCount * iterations, out: out) {
            try reproduction.run(progress: $0)
        }
    }
}

/// The experiments `reproduce mog` takes: the mixtures of Gaussians among
/// `TrainingConfiguration.Experiment`, so its help lists only those.
struct MixtureChoice: ExpressibleByArgument {
    let experiment: TrainingConfiguration.Experiment

    init(_ experiment: TrainingConfiguration.Experiment) {
        self.experiment = experiment
    }

    init?(argument: String) {
        guard let experiment = TrainingConfiguration.Experiment(rawValue: argument), !experiment.isImage else { return nil }
        self.experiment = experiment
    }

    static var allValueStrings: [String] { TrainingConfiguration.Experiment.allCases.filter { !$0.isImage }.map(\.rawValue) }

    var defaultValueDescription: String { experiment.rawValue }
}
