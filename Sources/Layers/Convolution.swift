import Autodiff
import Tensors

/// A two-dimensional convolution over NHWC inputs, PyTorch's `nn.Conv2d` in its names and weight
/// layout: `weight` [out, in, kh, kw], `bias` [out] (absent before a batch normalization, as in
/// TF-slim). Padding TensorFlow's SAME by default.
public final class Conv2D: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (height: Int, width: Int)
    public let padding: ConvolutionGeometry.Padding

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: ConvolutionGeometry.Padding = .same, bias: Bool = true, initializer: Initializer = .xavierUniform,
                dtype: DType = .float32, using generator: inout RandomGenerator) {
        weight = Parameter(initializer.weight([outputChannels, inputChannels, kernelSize, kernelSize], dtype: dtype,
                                              using: &generator))
        self.bias = bias ? Parameter(initializer.bias(outputChannels, fanIn: inputChannels * kernelSize * kernelSize,
                                                      dtype: dtype, using: &generator)) : nil
        self.stride = (stride, stride)
        self.padding = padding
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let output = input.convolution2D(weight: weight.variable, stride: stride, padding: padding)
        return bias.map { output + $0.variable } ?? output
    }

    public var namedParameters: [NamedParameter] {
        [NamedParameter(name: "weight", parameter: weight)] + (bias.map { [NamedParameter(name: "bias", parameter: $0)] } ?? [])
    }
}

/// A transposed convolution over NHWC inputs computing TensorFlow's `conv2d_transpose` with SAME
/// padding (output input·stride, the adjoint of a SAME convolution: for a 5×5 kernel and stride
/// 2, one padding row above and two below), in PyTorch's `nn.ConvTranspose2d` names and weight
/// layout: `weight` [in, out, kh, kw], `bias` [out] (absent before a batch normalization).
public final class ConvTranspose2D: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (height: Int, width: Int)

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 2, bias: Bool = true,
                initializer: Initializer = .xavierUniform, dtype: DType = .float32, using generator: inout RandomGenerator) {
        weight = Parameter(initializer.weight([inputChannels, outputChannels, kernelSize, kernelSize], dtype: dtype,
                                              using: &generator))
        self.bias = bias ? Parameter(initializer.bias(outputChannels, fanIn: inputChannels * kernelSize * kernelSize,
                                                      dtype: dtype, using: &generator)) : nil
        self.stride = (stride, stride)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        let output = input.transposedConvolution2D(weight: weight.variable, stride: stride)
        return bias.map { output + $0.variable } ?? output
    }

    public var namedParameters: [NamedParameter] {
        [NamedParameter(name: "weight", parameter: weight)] + (bias.map { [NamedParameter(name: "bias", parameter: $0)] } ?? [])
    }
}

/// Feature maps [n, h, w, c] (NHWC, the layout inside) as vectors [n, c·h·w] in PyTorch's
/// order (channel-major, as `nn.Flatten` of NCHW), so the next `Linear` weight means in PyTorch
/// what it means here.
public final class Flatten: Layer {
    public init() {}

    public func callAsFunction(_ input: Variable) -> Variable {
        input.permuted([0, 3, 1, 2]).reshaped([input.shape[0], -1])
    }

    public var namedParameters: [NamedParameter] { [] }
}

/// Vectors [n, c·h·w] in PyTorch's order (`nn.Unflatten` to NCHW) as feature maps [n, h, w, c],
/// the inverse of ``Flatten``.
public final class Unflatten: Layer {
    public let height: Int
    public let width: Int
    public let channels: Int

    public init(height: Int, width: Int, channels: Int) {
        (self.height, self.width, self.channels) = (height, width, channels)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        input.reshaped([input.shape[0], channels, height, width]).permuted([0, 2, 3, 1])
    }

    public var namedParameters: [NamedParameter] { [] }
}

/// x + scale·branch(x): the residual blocks of the reference's ResNets (scale 0.1).
public final class Residual: Layer {
    public let branch: Sequential
    public let scale: Double

    public init(_ branch: Sequential, scale: Double = 0.1) {
        self.branch = branch
        self.scale = scale
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        input + branch(input) * scale
    }

    public var namedParameters: [NamedParameter] { branch.namedParameters(prefix: "branch") }
    public var namedBuffers: [NamedBuffer] { branch.namedBuffers(prefix: "branch") }
    public var sublayers: [any Layer] { [branch] }
}
