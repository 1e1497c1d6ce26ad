import Layers
import Tensors

/// The reference implementation's convolutional GANs, by the names of its
/// `consensus_gan/models/*.py`, built as TF-slim builds them: 'SAME' padding, 5×5 kernels with
/// stride 2 (3×3, stride 1 inside residual branches), Xavier-uniform weights, zero biases and no
/// bias where a batch normalization follows (decay 0.999, ε 1e-3, center yes, scale no),
/// lrelu = max(x, 0.2x). Images are NHWC; `width` is the reference's `f_dim`, `channels` its
/// `c_dim` (1 for MNIST, 3 for colour).
///
/// Both networks are `Sequential`s whose parameters and buffers carry PyTorch's names
/// (`generator.layers.4.weight`, `discriminator.layers.3.running_mean`), so a checkpoint loads
/// into an `nn.Sequential` of the same layers.
public enum ImageArchitecture: String, CaseIterable, Codable, Sendable {
    /// G: FC → 4·4·4f with batch norm over features, ReLU; transposed convs 2f, f (BN, ReLU);
    /// → c, tanh. D: convs f, 2f (BN), 4f (BN), lrelu; FC. 32×32.
    case dcgan3
    /// dcgan3 without batch normalization.
    case dcgan3NoBN = "dcgan3_nobn"
    /// dcgan3 without batch normalization, every layer f channels, lrelu in G too.
    case dcgan3ConstantFilters = "dcgan3_nobn_cf"
    /// G: FC → 2·2·8f (with bias), BN over channels, lrelu; transposed convs 4f, 2f, f (BN,
    /// lrelu); → c, tanh. D: convs f, 2f, 4f, 8f (BN from the second), lrelu; FC. 32×32.
    case dcgan4
    /// dcgan4 without batch normalization.
    case dcgan4NoBN = "dcgan4_nobn"
    /// dcgan4 without batch normalization, every layer f channels.
    case dcgan4ConstantFilters = "dcgan4_nobn_cf"
    /// Stages of lrelu → 5×5 stride-2 (transposed) conv plus a residual branch
    /// net += 0.1·conv3×3(lrelu(conv3×3(lrelu(net), C/2)), C); channels 8f, 4f, 2f, f. 64×64.
    case resnet
    /// resnet with every stage f channels.
    case resnetConstantFilters = "resnet_cf"

    /// The side of the square images the networks take and make.
    public var imageSize: Int {
        switch self {
        case .resnet, .resnetConstantFilters: return 64
        default: return 32
        }
    }

    /// (generator, discriminator) trainable scalars, from the layer formulas: a k×k convolution
    /// from a to b channels has a·b·k² weights and, without a batch norm after it, b biases; a
    /// batch norm (center only) has b; a fully connected layer a·b weights and b biases.
    /// Computed without building anything, so absurd sizes can be refused first.
    public func parameterCounts(latentSize z: Int, width f: Int, channels c: Int) -> (generator: Double, discriminator: Double) {
        let (z, f, c) = (Double(z), Double(f), Double(c))
        func conv(_ a: Double, _ b: Double, _ k: Double = 5, bias: Bool = true) -> Double { a * b * k * k + (bias ? b : 0) }
        func branch(_ b: Double, _ hidden: Double) -> Double { conv(b, hidden, 3) + conv(hidden, b, 3) }
        switch self {
        case .dcgan4, .dcgan4NoBN:
            let normalized = self == .dcgan4
            let widths = [8 * f, 4 * f, 2 * f, f]
            let up = zip(widths, widths.dropFirst()).reduce(0) { $0 + conv($1.0, $1.1, bias: !normalized) + (normalized ? $1.1 : 0) }
            let down = zip([c] + widths.reversed(), widths.reversed()).enumerated().reduce(0) { total, layer in
                let bias = !normalized || layer.offset == 0
                return total + conv(layer.element.0, layer.element.1, bias: bias) + (bias ? 0 : layer.element.1)
            }
            return (z * 32 * f + 32 * f + (normalized ? 8 * f : 0) + up + conv(f, c), down + 32 * f + 1)
        case .dcgan4ConstantFilters:
            return (z * 4 * f + 4 * f + 3 * conv(f, f) + conv(f, c), conv(c, f) + 3 * conv(f, f) + 4 * f + 1)
        case .dcgan3, .dcgan3NoBN:
            let normalized = self == .dcgan3
            let extra = normalized ? 2 * f + f : 0
            return (z * 64 * f + 64 * f + conv(4 * f, 2 * f, bias: !normalized) + conv(2 * f, f, bias: !normalized) + extra + conv(f, c),
                    conv(c, f) + conv(f, 2 * f, bias: !normalized) + conv(2 * f, 4 * f, bias: !normalized) + (normalized ? 6 * f : 0)
                        + 64 * f + 1)
        case .dcgan3ConstantFilters:
            return (z * 16 * f + 16 * f + 2 * conv(f, f) + conv(f, c), conv(c, f) + 2 * conv(f, f) + 16 * f + 1)
        case .resnet:
            let stages = [(8 * f, 4 * f), (4 * f, 2 * f), (2 * f, f)].reduce(0) { $0 + conv($1.0, $1.1) + branch($1.1, $1.1 / 2) }
            let down = [(c, f), (f, 2 * f), (2 * f, 4 * f), (4 * f, 8 * f)].reduce(0) { $0 + conv($1.0, $1.1) + branch($1.1, $1.1 / 2) }
            return (z * 128 * f + 128 * f + stages + conv(f, c), down + 128 * f + 1)
        case .resnetConstantFilters:
            return (z * 16 * f + 16 * f + 3 * (conv(f, f) + branch(f, (f / 2).rounded(.down))) + conv(f, c),
                    conv(c, f) + branch(f, f) + 3 * (conv(f, f) + branch(f, (f / 2).rounded(.down))) + 16 * f + 1)
        }
    }

    /// Values one sample's forward pass through both networks produces, roughly: each
    /// (transposed) convolution's output and its im2col matrix, at the widest stage's channels.
    public func activationCount(width f: Int, channels c: Int) -> Double {
        let size = Double(imageSize)
        let widest = Double(self == .dcgan4 || self == .dcgan4NoBN || self == .resnet ? 8 * f : 4 * f)
        // Spatial area shrinks fourfold per stage while channels double, so the first stage
        // (size²/4·f values, and 25 times that in its 5×5 patches) dominates: all stages of
        // one network hold about 4·size²·f.
        return 2 * (4 * size * size * Double(f)) + widest * 16 + size * size * Double(c)
    }

    /// Whether the networks use batch normalization (and so have buffers).
    public var usesBatchNorm: Bool { self == .dcgan3 || self == .dcgan4 }

    /// The generator: z [n, latent] → images [n, size, size, channels] in (−1, 1).
    public func generator(latentSize: Int, width f: Int, channels: Int, dtype: DType = .float32,
                          using random: inout RandomGenerator) -> Sequential {
        var builder = Builder(dtype: dtype, random: random)
        defer { random = builder.random }
        let lrelu = Activation(.leakyReLU(slope: 0.2))
        switch self {
        case .dcgan3, .dcgan3NoBN, .dcgan3ConstantFilters:
            let side = imageSize / 8
            let (first, second) = self == .dcgan3ConstantFilters ? (f, f) : (4 * f, 2 * f)
            let activation = self == .dcgan3ConstantFilters ? lrelu : Activation(.relu)
            let normalized = self == .dcgan3
            builder.append(Linear(inputSize: latentSize, outputSize: side * side * first, bias: !normalized, dtype: dtype,
                                  using: &builder.random))
            if normalized { builder.append(BatchNorm(features: side * side * first, dtype: dtype)) }
            if self == .dcgan3ConstantFilters {
                builder.append(Unflatten(height: side, width: side, channels: first))
                builder.append(activation)
            } else {
                builder.append(activation)
                builder.append(Unflatten(height: side, width: side, channels: first))
            }
            builder.upsample(first, second, normalized: normalized, activation: activation)
            builder.upsample(second, f, normalized: normalized, activation: activation)
            builder.upsample(f, channels, normalized: false, activation: Activation(.tanh))
        case .dcgan4, .dcgan4NoBN, .dcgan4ConstantFilters:
            let side = imageSize / 16
            let widths = self == .dcgan4ConstantFilters ? [f, f, f, f] : [8 * f, 4 * f, 2 * f, f]
            let normalized = self == .dcgan4
            builder.append(Linear(inputSize: latentSize, outputSize: side * side * widths[0], dtype: dtype, using: &builder.random))
            builder.append(Unflatten(height: side, width: side, channels: widths[0]))
            if normalized { builder.append(BatchNorm(features: widths[0], dtype: dtype)) }
            builder.append(lrelu)
            for (input, output) in zip(widths, widths.dropFirst()) {
                builder.upsample(input, output, normalized: normalized, activation: lrelu)
            }
            builder.upsample(widths[3], channels, normalized: false, activation: Activation(.tanh))
        case .resnet, .resnetConstantFilters:
            let side = imageSize / 16
            let widths = self == .resnetConstantFilters ? [f, f, f, f] : [8 * f, 4 * f, 2 * f, f]
            builder.append(Linear(inputSize: latentSize, outputSize: side * side * widths[0], dtype: dtype, using: &builder.random))
            builder.append(Unflatten(height: side, width: side, channels: widths[0]))
            for (input, output) in zip(widths, widths.dropFirst()) {
                builder.append(lrelu)
                builder.append(ConvTranspose2D(inputChannels: input, outputChannels: output, kernelSize: 5, stride: 2,
                                               dtype: dtype, using: &builder.random))
                builder.residual(output, hidden: output / 2)
            }
            builder.append(lrelu)
            builder.append(ConvTranspose2D(inputChannels: widths[3], outputChannels: channels, kernelSize: 5, stride: 2,
                                           dtype: dtype, using: &builder.random))
            builder.append(Activation(.tanh))
        }
        return Sequential(builder.layers)
    }

    /// The discriminator: images [n, size, size, channels] → logits [n, 1].
    public func discriminator(width f: Int, channels: Int, dtype: DType = .float32,
                              using random: inout RandomGenerator) -> Sequential {
        var builder = Builder(dtype: dtype, random: random)
        defer { random = builder.random }
        switch self {
        case .dcgan3, .dcgan3NoBN, .dcgan3ConstantFilters, .dcgan4, .dcgan4NoBN, .dcgan4ConstantFilters:
            let constant = self == .dcgan3ConstantFilters || self == .dcgan4ConstantFilters
            let depth = self == .dcgan4 || self == .dcgan4NoBN || self == .dcgan4ConstantFilters ? 4 : 3
            let widths = (0..<depth).map { constant ? f : f << $0 }
            for (index, width) in widths.enumerated() {
                builder.downsample(index == 0 ? channels : widths[index - 1], width,
                                   normalized: usesBatchNorm && index > 0)
            }
            let side = imageSize >> depth
            builder.append(Flatten())
            builder.append(Linear(inputSize: side * side * widths[depth - 1], outputSize: 1, dtype: dtype, using: &builder.random))
        case .resnet, .resnetConstantFilters:
            let constant = self == .resnetConstantFilters
            let widths = constant ? [f, f, f, f] : [f, 2 * f, 4 * f, 8 * f]
            let lrelu = Activation(.leakyReLU(slope: 0.2))
            for (index, width) in widths.enumerated() {
                if index > 0 { builder.append(lrelu) }
                builder.append(Conv2D(inputChannels: index == 0 ? channels : widths[index - 1], outputChannels: width,
                                      kernelSize: 5, stride: 2, dtype: dtype, using: &builder.random))
                // resnet_cf's first branch keeps f channels (as the reference does).
                builder.residual(width, hidden: constant && index == 0 ? width : width / 2)
            }
            let side = imageSize / 16
            builder.append(Flatten())
            builder.append(lrelu)
            builder.append(Linear(inputSize: side * side * widths[3], outputSize: 1, dtype: dtype, using: &builder.random))
        }
        return Sequential(builder.layers)
    }

    /// Layers appended in order, with the random stream for their weights.
    private struct Builder {
        let dtype: DType
        var random: RandomGenerator
        var layers: [any Layer] = []

        init(dtype: DType, random: RandomGenerator) {
            self.dtype = dtype
            self.random = random
        }

        mutating func append(_ layer: any Layer) {
            layers.append(layer)
        }

        /// A 5×5 stride-2 transposed conv (no bias before a batch norm), the norm, the activation.
        mutating func upsample(_ input: Int, _ output: Int, normalized: Bool, activation: Activation) {
            append(ConvTranspose2D(inputChannels: input, outputChannels: output, kernelSize: 5, stride: 2, bias: !normalized,
                                   dtype: dtype, using: &random))
            if normalized { append(BatchNorm(features: output, dtype: dtype)) }
            append(activation)
        }

        /// A 5×5 stride-2 conv (no bias before a batch norm), the norm, lrelu.
        mutating func downsample(_ input: Int, _ output: Int, normalized: Bool) {
            append(Conv2D(inputChannels: input, outputChannels: output, kernelSize: 5, stride: 2, bias: !normalized,
                          dtype: dtype, using: &random))
            if normalized { append(BatchNorm(features: output, dtype: dtype)) }
            append(Activation(.leakyReLU(slope: 0.2)))
        }

        /// net += 0.1·conv3×3(lrelu(conv3×3(lrelu(net), hidden)), channels).
        mutating func residual(_ channels: Int, hidden: Int) {
            let lrelu = Activation(.leakyReLU(slope: 0.2))
            append(Residual(Sequential([
                lrelu, Conv2D(inputChannels: channels, outputChannels: hidden, kernelSize: 3, dtype: dtype, using: &random),
                lrelu, Conv2D(inputChannels: hidden, outputChannels: channels, kernelSize: 3, dtype: dtype, using: &random),
            ])))
        }
    }
}
