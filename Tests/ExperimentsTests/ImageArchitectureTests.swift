import Autodiff
import Experiments
import Layers
import Testing
import Tensors

/// The reference's convolutional GANs: parameter counts against the formulas their layers give,
/// shapes, PyTorch names, and what batch normalization keeps as buffers.
@Suite struct ImageArchitectureTests {
    /// (generator, discriminator) trainable scalars from the layer formulas: a k×k convolution
    /// from a to b channels has a·b·k² weights (+ b biases without batch norm), a batch norm with
    /// center only has b.
    func expectedCounts(_ architecture: ImageArchitecture, z: Int, f: Int, c: Int) -> (Int, Int) {
        func conv(_ a: Int, _ b: Int, _ k: Int = 5, bias: Bool = true) -> Int { a * b * k * k + (bias ? b : 0) }
        func branch(_ b: Int, _ hidden: Int) -> Int { conv(b, hidden, 3) + conv(hidden, b, 3) }
        switch architecture {
        case .dcgan4:
            return (z * 32 * f + 32 * f + 8 * f + conv(8 * f, 4 * f, bias: false) + 4 * f + conv(4 * f, 2 * f, bias: false) + 2 * f
                        + conv(2 * f, f, bias: false) + f + conv(f, c),
                    conv(c, f) + conv(f, 2 * f, bias: false) + 2 * f + conv(2 * f, 4 * f, bias: false) + 4 * f
                        + conv(4 * f, 8 * f, bias: false) + 8 * f + 32 * f + 1)
        case .dcgan4NoBN:
            return (z * 32 * f + 32 * f + conv(8 * f, 4 * f) + conv(4 * f, 2 * f) + conv(2 * f, f) + conv(f, c),
                    conv(c, f) + conv(f, 2 * f) + conv(2 * f, 4 * f) + conv(4 * f, 8 * f) + 32 * f + 1)
        case .dcgan4ConstantFilters:
            return (z * 4 * f + 4 * f + 3 * conv(f, f) + conv(f, c), conv(c, f) + 3 * conv(f, f) + 4 * f + 1)
        case .dcgan3:
            return (z * 64 * f + 64 * f + conv(4 * f, 2 * f, bias: false) + 2 * f + conv(2 * f, f, bias: false) + f + conv(f, c),
                    conv(c, f) + conv(f, 2 * f, bias: false) + 2 * f + conv(2 * f, 4 * f, bias: false) + 4 * f + 64 * f + 1)
        case .dcgan3NoBN:
            return (z * 64 * f + 64 * f + conv(4 * f, 2 * f) + conv(2 * f, f) + conv(f, c),
                    conv(c, f) + conv(f, 2 * f) + conv(2 * f, 4 * f) + 64 * f + 1)
        case .dcgan3ConstantFilters:
            return (z * 16 * f + 16 * f + 2 * conv(f, f) + conv(f, c), conv(c, f) + 2 * conv(f, f) + 16 * f + 1)
        case .resnet:
            let stages = [(8 * f, 4 * f), (4 * f, 2 * f), (2 * f, f)].reduce(0) { $0 + conv($1.0, $1.1) + branch($1.1, $1.1 / 2) }
            let down = [(c, f), (f, 2 * f), (2 * f, 4 * f), (4 * f, 8 * f)].reduce(0) { $0 + conv($1.0, $1.1) + branch($1.1, $1.1 / 2) }
            return (z * 128 * f + 128 * f + stages + conv(f, c), down + 128 * f + 1)
        case .resnetConstantFilters:
            return (z * 16 * f + 16 * f + 3 * (conv(f, f) + branch(f, f / 2)) + conv(f, c),
                    conv(c, f) + branch(f, f) + 3 * (conv(f, f) + branch(f, f / 2)) + 16 * f + 1)
        }
    }

    @Test(arguments: ImageArchitecture.allCases)
    func parameterCountsAndShapes(architecture: ImageArchitecture) {
        let (z, f, c) = (5, 4, 1)
        var random = RandomGenerator(seed: 1)
        let generator = architecture.generator(latentSize: z, width: f, channels: c, using: &random)
        let discriminator = architecture.discriminator(width: f, channels: c, using: &random)
        let (expectedGenerator, expectedDiscriminator) = expectedCounts(architecture, z: z, f: f, c: c)
        #expect(generator.parameterCount == expectedGenerator && discriminator.parameterCount == expectedDiscriminator,
                "\(architecture): \(generator.parameterCount), \(discriminator.parameterCount)")
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
