import Formats
import Games
import Layers
import StepRules
import Tensors

/// A convolutional GAN on images (SPEC §3 "Images"): the configuration's architecture on its
/// data set, the paper's losses and methods, minibatches read in shuffled epochs, and an 8×8
/// grid of samples from fixed latent codes.
///
/// Random streams of the seed: 0 initialises the networks, 1 draws latent codes, 2 the fixed
/// codes of the sample grids, 5 the codes of scored samples, and epoch e's order of the data
/// set comes from stream 1000 + e — so the data position (epoch, index) and the training stream
/// are all a resumed run needs.
public final class ImageExperiment: TrainingExperiment {
    public let configuration: TrainingConfiguration
    public let dataset: ImageDataset
    public let game: GenerativeAdversarialGame
    public let optimizer: GameOptimizer
    public var optimizerState = OptimizerState()
    public var random: RandomGenerator
    public var dataPosition: DataPosition?
    /// 64 latent codes fixed for the whole run (the sample grids).
    public let fixedNoise: Tensor
    private var order: (epoch: Int, indices: [Int])?

    /// Reads the data set and builds the networks for its images.
    public init(configuration: TrainingConfiguration) throws {
        self.configuration = configuration
        dataset = try ImageExperiment.dataset(configuration)
        let architecture = configuration.architecture
        try dataset.check(size: architecture.imageSize, channels: nil, for: architecture.rawValue)
        let channels = dataset.channels
        game = configuration.makeGame(
            generator: { architecture.generator(latentSize: configuration.latentSize, width: configuration.width,
                                                channels: channels, using: &$0) },
            discriminator: { architecture.discriminator(width: configuration.width, channels: channels, using: &$0) })
        optimizer = configuration.makeOptimizer()
        random = configuration.trainingRandom
        fixedNoise = configuration.fixedNoise(count: 64)
    }

    /// The configuration's data set.
    static func dataset(_ configuration: TrainingConfiguration) throws(FormatError) -> ImageDataset {
        switch configuration.experiment {
        case .mnist:
            guard let path = configuration.data else { return try ImageDataset.bundledMNIST() }
            if FileIO.isDirectory(path) {
                let names = ["t10k-images-idx3-ubyte", "train-images-idx3-ubyte"].flatMap { [$0 + ".gz", $0] }
                guard let name = names.first(where: { FileIO.exists(path + "/" + $0) }) else {
                    throw FormatError("holds no MNIST images (t10k-images-idx3-ubyte[.gz] or train-images-idx3-ubyte[.gz])", path: path)
                }
                let labels = name.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
                return try ImageDataset.mnist(images: path + "/" + name, labels: FileIO.exists(path + "/" + labels) ? path + "/" + labels : nil)
            }
            return try ImageDataset.mnist(images: path)
        case .cifar10:
            guard let path = configuration.data else { throw FormatError("cifar10 needs --data, the directory of its binary batches") }
            return try ImageDataset.cifar10(directory: path)
        case .images:
            guard let path = configuration.data else { throw FormatError("images needs --data, a folder of PNG images or an .npy file") }
            return FileIO.isDirectory(path) ? try ImageDataset.pngFolder(path, size: configuration.architecture.imageSize)
                : try ImageDataset.numPy(path)
        case .mog8, .mog25:
            throw FormatError("\(configuration.experiment.rawValue) is not an image experiment")
        }
    }

    /// Real images in shuffled epochs (the order of epoch e is fixed by the seed) and standard
    /// normal latent codes from `generator`.
    public func batch(using generator: inout RandomGenerator) -> GenerativeAdversarialGame.Batch {
        var indices: [Int] = []
        var position = dataPosition ?? DataPosition(epoch: 0, index: 0)
        while indices.count < configuration.batchSize {
            if order?.epoch != position.epoch {
                var shuffler = RandomGenerator(seed: configuration.seed, stream: 1000 + UInt64(position.epoch))
                order = (position.epoch, shuffler.permutation(dataset.count))
            }
            let take = min(configuration.batchSize - indices.count, dataset.count - position.index)
            indices += order!.indices[position.index..<(position.index + take)]
            position.index += take
            if position.index == dataset.count { position = DataPosition(epoch: position.epoch + 1, index: 0) }
        }
        dataPosition = position
        return batch(real: dataset.images(at: indices), using: &generator)
    }

    /// Images at indices drawn uniformly, with replacement, from `generator`.
    public func realSamples(count: Int, using generator: inout RandomGenerator) -> Tensor {
        dataset.images(at: (0..<count).map { _ in Int(generator.next() % UInt64(dataset.count)) })
    }

    /// The generator's 64 samples for the fixed codes as an 8×8 grid. Batch-normalised
    /// generators use the fixed batch's own statistics (training mode, running averages left
    /// alone), as the reference samples.
    public func snapshot() throws -> Snapshot {
        let samples = withEvaluationParameters { game.withFrozenStatistics { game.sample(noise: fixedNoise) } }
        return Snapshot(picture: ImageGrid.render(samples), samples: samples, metrics: SampleMetrics())
    }

    /// `count` latent codes [count, z] of `seed` (random stream 5), the codes of ``samples(count:seed:)``.
    public func latentCodes(count: Int, seed: UInt64) -> Tensor {
        var codes = RandomGenerator(seed: seed, stream: 5)
        let chunks = stride(from: 0, to: count, by: configuration.batchSize).map { start in
            Tensor.normal([min(configuration.batchSize, count - start), configuration.latentSize], using: &codes)
        }
        return Tensor.concatenate(chunks, alongAxis: 0)
    }

    /// `count` samples from the latent codes of `seed`.
    public func samples(count: Int, seed: UInt64) -> Tensor {
        samples(for: latentCodes(count: count, seed: seed))
    }

    /// The generator's samples for latent codes [n, z], generated a training batch at a time so
    /// batch-normalised generators see batches like those they were trained on.
    public func samples(for codes: Tensor) -> Tensor {
        let count = codes.shape[0]
        let chunks = stride(from: 0, to: count, by: configuration.batchSize).map { start in
            codes.slice(alongAxis: 0, range: start..<min(start + configuration.batchSize, count))
        }
        return withEvaluationParameters {
            game.withFrozenStatistics { Tensor.concatenate(chunks.map(game.sample(noise:)), alongAxis: 0) }
        }
    }
}
