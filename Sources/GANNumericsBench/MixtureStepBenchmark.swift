import ArgumentParser
import GANNumerics

struct MixtureStepBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mog-step",
        abstract: "Steps/s of the paper's mixture-of-Gaussians training step (SimGD and ConOpt, RMSProp).")

    @Option(help: "Methods to time: simgd, conopt.")
    var methods: [String] = ["simgd", "conopt"]

    @Option(help: "Batch size.")
    var batchSize = 512

    func run() {
        for method in methods {
            let rate = stepsPerSecond(method: method, batchSize: batchSize)
            print("gan-numerics \(method) steps_per_s=\(formatted(rate))")
        }
    }
}

/// Steps/s of one method on the paper's MoG game, data and noise drawn outside the timed step
/// (16 pre-drawn batches cycled, as the peer script does).
func stepsPerSecond(method: String, batchSize: Int) -> Double {
    var generator = RandomGenerator(seed: 0)
    let game = GenerativeAdversarialGame(generator: PaperNetworks.generator(using: &generator),
                                         discriminator: PaperNetworks.discriminator(using: &generator))
    let data = MixtureOfGaussians.ring()
    let batches = (0..<16).map { _ in
        GenerativeAdversarialGame.Batch(real: data.batch(count: batchSize, using: &generator),
                                        noise: Tensor.normal([batchSize, 16], using: &generator))
    }
    var optimizer: any GameOptimizer = method == "conopt"
        ? ConsensusOptimization(gamma: 10, stepRule: RMSProp(learningRate: 1e-4))
        : SimultaneousGradientDescent(stepRule: RMSProp(learningRate: 1e-4))
    var index = 0
    let seconds = secondsPerCall(minimumSeconds: 2) {
        _ = optimizer.step(game) { batches[index % 16] }
        index += 1
    }
    return 1 / seconds
}
