import Autodiff
import Experiments
import Layers
import Testing
import Tensors

/// The reference's convolutional GANs: parameter counts of the layers built against the closed
/// form, shapes, PyTorch names, and what batch normalization keeps as buffers.
@Suite struct ImageArchitectureTests {
    @Test(arguments: ImageArchitecture.allCases)
    func parameterCountsAndShapes(architecture: ImageArchitecture) {
        let (z, f, c) = (5, 4, 1)
        var random = RandomGenerator(seed: 1)
        let generator = architecture.generator(latentSize: z, width: f, channels: c, using: &random)
        let discriminator = architecture.discriminator(width: f, channels: c, using: &random)
        // The layers built, counted, against the closed-form count (a k×k convolution from a to b
        // channels: a·b·k² weights + b biases without batch norm after it; batch norm: b).
        let expected = architecture.parameterCounts(latentSize: z, width: f, channels: c)
        #expect(Double(generator.parameterCount) == expected.generator && Double(discriminator.parameterCount) == expected.discriminator,
                "\(architecture): \(generator.parameterCount), \(discriminator.parameterCount)")
        // At the paper's CIFAR-10 size: dcgan4 has 4.8M + 4.3M parameters; dcgan4_nobn 9,140,996 in
        // all, the count `peers.py dcgan-step` reports for its PyTorch model.
        let paper = architecture.parameterCounts(latentSize: 256, width: 64, channels: 3)
        if architecture == .dcgan4 { #expect(paper.generator == 4_832_899 && paper.discriminator == 4_308_609) }
        if architecture == .dcgan4NoBN { #expect(paper.generator + paper.discriminator == 9_140_996) }
        let images = generator(Tensor.normal([2, z], using: &random))
        let size = architecture.imageSize
        #expect(images.shape == [2, size, size, c])
        #expect(images.floats.allSatisfy { abs($0) < 1 })
        #expect(discriminator(images).shape == [2, 1])
        // PyTorch's layouts: Conv2d [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw], Linear [out, in].
        let first = discriminator.namedParameters[0]
        #expect(first.name == "0.weight" && first.parameter.shape == [f, c, 5, 5])
        #expect(generator.namedParameters[0].parameter.shape[1] == z)
        #expect(generator.namedBuffers.isEmpty == !architecture.usesBatchNorm)
    }

    /// Batch normalization keeps γ (fixed at 1: scale off), running mean and variance and the
    /// batch count as buffers under PyTorch's names; only β is trained.
    @Test func batchNormalizationBuffersHavePyTorchNames() {
        var random = RandomGenerator(seed: 2)
        let discriminator = ImageArchitecture.dcgan4.discriminator(width: 2, channels: 3, using: &random)
        #expect(discriminator.namedBuffers.map(\.name).prefix(4)
                == ["3.weight", "3.running_mean", "3.running_var", "3.num_batches_tracked"])
        #expect(discriminator.namedParameters.map(\.name).contains("3.bias"))
        #expect(!discriminator.namedParameters.map(\.name).contains("2.bias"))  // no bias before a batch norm
    }
}
