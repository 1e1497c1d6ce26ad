import ArgumentParser
import GANNumerics

extension ImageArchitecture: ExpressibleByArgument {}

struct ConvolutionalStepBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "dcgan-step",
        abstract: "Steps/s of a training step of the paper's CIFAR-10 GANs (f 64, z 256, 3 channels, random data, TF1 RMSProp; conopt γ = 10), as `peers.py dcgan-step` times them.")

    @Option(help: "The architecture.")
    var arch: ImageArchitecture = .dcgan4NoBN

    @Option(help: "simgd or conopt (or any method).")
    var method: TrainingConfiguration.Method = .conopt

    @Option(help: "Batch size.")
    var batch = 64

    @Option(help: "The base channels f.")
    var f = 64

    @Option(help: "The latent size.")
    var z = 256

    @Option(help: "Seconds to measure for.")
    var seconds = 10.0

    func figures() -> [Figure] {
        var random = RandomGenerator(seed: 0)
        let game = GenerativeAdversarialGame(generator: arch.generator(latentSize: z, width: f, channels: 3, using: &random),
                                             discriminator: arch.discriminator(width: f, channels: 3, using: &random))
        var configuration = TrainingConfiguration.defaults(for: .cifar10)
        configuration.method = method
        let optimizer = configuration.makeOptimizer()
        let size = arch.imageSize
        let batches = (0..<4).map { _ in
            GenerativeAdversarialGame.Batch(real: Tensor.uniform([batch, size, size, 3], low: -1, high: 1, using: &random),
                                            noise: Tensor.normal([batch, z], using: &random))
        }
        var state = OptimizerState()
        var index = 0
        let perStep = secondsPerCall(minimumSeconds: seconds) {
            _ = optimizer.step(game, state: &state) {
                defer { index += 1 }
                return batches[index % batches.count]
            }
        }
        return [reported(Figure(name: "dcgan step \(arch.rawValue) \(method.rawValue), batch \(batch), f \(f), z \(z)",
                                value: perStep * 1000, unit: "ms"))]
    }
}
