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

/// The same elements in a new shape per sample: [n, …] → [n] + `shape` (flatten with
/// `[-1]`; unflatten to NHWC with `[h, w, c]`).
public final class Reshape: Layer {
    public let shape: [Int]

    public init(_ shape: [Int]) {
        self.shape = shape
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        input.reshaped([input.shape[0]] + shape)
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
