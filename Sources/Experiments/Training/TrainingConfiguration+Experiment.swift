import Foundation
import Games
import Layers
import Tensors

extension TrainingConfiguration {
    /// The paper's settings for `experiment`: its mixture-of-Gaussians defaults, or for images
    /// the reference's CIFAR-10 ones (f = 64, z = 256, batch 64, 150,000 iterations) with
    /// snapshots and checkpoints every 1,000 iterations.
    public static func defaults(for experiment: Experiment) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.experiment = experiment
        guard experiment.isImage else { return configuration }
        configuration.width = 64
        configuration.latentSize = 256
        configuration.batchSize = 64
        configuration.iterations = 150_000
        configuration.snapshotEvery = 1000
        configuration.checkpointEvery = 1000
        return configuration
    }

    /// The experiment this configuration describes, its data read and checked.
    public func makeExperiment() throws -> any TrainingExperiment {
        experiment.isImage ? try ImageExperiment(configuration: self) : MixtureExperiment(configuration: self)
    }

    /// The game of every experiment: the two networks initialised from random stream 0 (the
    /// generator first) under this configuration's objective and penalty.
    func makeGame(generator: (inout RandomGenerator) -> any Layer,
                  discriminator: (inout RandomGenerator) -> any Layer) -> GenerativeAdversarialGame {
        var initialization = RandomGenerator(seed: seed, stream: 0)
        let generator = generator(&initialization)
        return GenerativeAdversarialGame(generator: generator, discriminator: discriminator(&initialization),
                                         objective: loss, penalty: penalty.penalty(weight: penaltyWeight))
    }

    /// The training stream (random stream 1): minibatches and their latent codes.
    var trainingRandom: RandomGenerator { RandomGenerator(seed: seed, stream: 1) }

    /// `count` latent codes fixed for the whole run (random stream 2), so pictures never draw
    /// from the training stream.
    func fixedNoise(count: Int) -> Tensor {
        var fixed = RandomGenerator(seed: seed, stream: 2)
        return Tensor.normal([count, latentSize], using: &fixed)
    }

    /// The number of trainable scalars of both networks (for images with `channels` channels:
    /// 1 for MNIST, 3 otherwise, as a guess before the data is read).
    public var parameterCount: Double {
        if experiment.isImage {
            let counts = architecture.parameterCounts(latentSize: latentSize, width: width, channels: experiment == .mnist ? 1 : 3)
            return counts.generator + counts.discriminator
        }
        let (w, depth) = (Double(width), Double(depth))
        func network(input: Double, output: Double) -> Double {
            depth == 0 ? (input + 1) * output
                : (input + 1) * w + (depth - 1) * (w + 1) * w + (w + 1) * output
        }
        return network(input: Double(latentSize), output: 2) + network(input: 2, output: 1)
    }

    /// Bytes a run needs at most, roughly (in Double, so absurd settings cannot overflow):
    /// parameters with their gradients, second-order graph and step-rule state; the activations
    /// of a consensus step's three passes and their double backward; the data set, the fixed
    /// latent codes and pictures; Arnoldi bases when the spectrum is tracked; and the process.
    public var memoryEstimate: Double {
        let scalar = 4.0
        let parameters = 16 * parameterCount * scalar
        let process = 64.0 * 1024 * 1024
        let spectrum = spectrumEvery > 0
            ? min(2 * Double(SpectrumTracker.maximumDimension) * parameterCount * 8, 2 * SpectrumAnalysis.krylovMemoryBudget) : 0
        if experiment.isImage {
            let channels = experiment == .mnist ? 1 : 3
            let activations = 12 * Double(batchSize) * architecture.activationCount(width: width, channels: channels) * scalar
            let side = Double(architecture.imageSize)
            let data = 60_000 * side * side * Double(channels) * scalar
            return parameters + activations + data + spectrum + process
        }
        let activations = 40 * Double(batchSize) * Double(max(width, 2)) * Double(depth + 1) * 3 * scalar
        let samples = Double(MixtureExperiment.fixedSampleCount) * Double(latentSize + 2) * scalar
            + Double(plotSize) * Double(plotSize) * 16
        return parameters + activations + samples + spectrum + process
    }
}
