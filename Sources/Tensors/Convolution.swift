/// The geometry of a two-dimensional convolution over NHWC images: input and output sizes,
/// kernel, stride and padding. Patches (rows of the im2col matrix) list their elements kernel
/// row first, then kernel column, then channel — the order of the NHWC input, so each kernel
/// row of a patch is one contiguous run of kw·channels values, copied whole — and a convolution
/// is one matrix product with the weight laid out [out, kh·kw·in].
public struct ConvolutionGeometry: Sendable, Equatable {
    public let batch: Int
    public let inputHeight: Int
    public let inputWidth: Int
    public let channels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let strideHeight: Int
    public let strideWidth: Int
    /// Zeros added above and to the left (the rest of the padding is below and to the right).
    public let padTop: Int
    public let padLeft: Int
    public let outputHeight: Int
    public let outputWidth: Int

    /// How the input is padded.
    public enum Padding: Sendable, Equatable {
        /// TensorFlow's SAME: output ⌈in/stride⌉, total padding max((out − 1)·stride + k − in, 0),
        /// the odd one below/right.
        case same
        /// No padding: output ⌊(in − k)/stride⌋ + 1.
        case valid
        /// Explicit padding above/left and below/right.
        case explicit(top: Int, bottom: Int, left: Int, right: Int)
    }

    /// The geometry of a convolution of a [batch, height, width, channels] input.
    public init(batch: Int, height: Int, width: Int, channels: Int, kernel: (height: Int, width: Int),
                stride: (height: Int, width: Int), padding: Padding) {
        guard kernel.height > 0, kernel.width > 0, stride.height > 0, stride.width > 0, height > 0, width > 0,
              channels > 0, batch >= 0 else {
            ShapeError(op: "convolution", detail: "input [\(batch), \(height), \(width), \(channels)], kernel \(kernel), stride \(stride) are not a convolution").stop()
        }
        /// Padding before, and output size, along one axis (`explicit` gives that axis's padding).
        func along(_ size: Int, _ k: Int, _ s: Int, _ explicit: (before: Int, after: Int)) -> (before: Int, output: Int) {
            switch padding {
            case .same:
                let output = (size + s - 1) / s
                return (max((output - 1) * s + k - size, 0) / 2, output)
            case .valid:
                return (0, size >= k ? (size - k) / s + 1 : 0)
            case .explicit:
                let padded = size + explicit.before + explicit.after
                return (explicit.before, padded >= k ? (padded - k) / s + 1 : 0)
            }
        }
        var (vertical, horizontal) = ((before: 0, after: 0), (before: 0, after: 0))
        if case .explicit(let top, let bottom, let left, let right) = padding {
            guard min(top, bottom, left, right) >= 0 else {
                ShapeError(op: "convolution", detail: "negative padding \(padding)").stop()
            }
            (vertical, horizontal) = ((top, bottom), (left, right))
        }
        let rows = along(height, kernel.height, stride.height, vertical)
        let columns = along(width, kernel.width, stride.width, horizontal)
        guard rows.output > 0 && columns.output > 0 else {
            ShapeError(op: "convolution", detail: "a \(kernel.height)×\(kernel.width) kernel does not fit a \(height)×\(width) input with this padding").stop()
        }
        self.init(batch: batch, inputHeight: height, inputWidth: width, channels: channels, kernelHeight: kernel.height,
                  kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
                  padTop: rows.before, padLeft: columns.before, outputHeight: rows.output, outputWidth: columns.output)
    }

    /// A geometry given field by field.
    public init(batch: Int, inputHeight: Int, inputWidth: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int) {
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
    }

    /// The geometry whose *output* is [batch, height, width, channels] and whose input is
    /// `stride` times larger: a transposed convolution's, with TensorFlow's SAME output size
    /// (input·stride) and padding.
    public static func transposed(batch: Int, height: Int, width: Int, channels: Int, kernel: (height: Int, width: Int),
                                  stride: (height: Int, width: Int)) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: batch, height: height * stride.height, width: width * stride.width, channels: channels,
                            kernel: kernel, stride: stride, padding: .same)
    }

    /// The same convolution over `batch` images.
    public func with(batch: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: batch, inputHeight: inputHeight, inputWidth: inputWidth, channels: channels,
                            kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight,
                            strideWidth: strideWidth, padTop: padTop, padLeft: padLeft, outputHeight: outputHeight,
                            outputWidth: outputWidth)
    }

    /// Elements per patch: kh·kw·channels.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Patches: batch·outputHeight·outputWidth.
    public var patchCount: Int { batch * outputHeight * outputWidth }
    /// The input's shape, NHWC.
    public var inputShape: [Int] { [batch, inputHeight, inputWidth, channels] }
}

extension Tensor {
    /// The im2col matrix of this NHWC input: [patches, kh·kw·channels], zeros where a patch
    /// overhangs the padded border.
    public func patches(_ geometry: ConvolutionGeometry) -> Tensor {
        guard shape == geometry.inputShape else {
            ShapeError(op: "patches", detail: "input of shape \(shape) for a convolution of \(geometry.inputShape)").stop()
        }
        func fill(_ result: Tensor) {
            switch self.dtype {
            case .float32: extractPatches(self.pointer(as: Float.self), result.mutablePointer(as: Float.self), geometry)
            case .float64: extractPatches(self.pointer(as: Double.self), result.mutablePointer(as: Double.self), geometry)
            }
        }
        return Tensor.computed([geometry.patchCount, geometry.patchSize], dtype: dtype, fill, replaying: fill, reading: [self])
    }

    /// The adjoint of ``patches(_:)``: each patch row added back where it came from, giving an
    /// NHWC tensor of the geometry's input shape (col2im).
    public func assemblingPatches(_ geometry: ConvolutionGeometry) -> Tensor {
        guard shape == [geometry.patchCount, geometry.patchSize] else {
            ShapeError(op: "assemblingPatches", detail: "patches of shape \(shape) for a convolution of \(geometry.inputShape), [\(geometry.patchCount), \(geometry.patchSize)] expected").stop()
        }
        func fill(_ result: Tensor) {
            result.storage.base.initializeMemory(as: UInt8.self, repeating: 0, count: result.count * result.dtype.byteWidth)
            switch self.dtype {
            case .float32: assemblePatches(self.pointer(as: Float.self), result.mutablePointer(as: Float.self), geometry)
            case .float64: assemblePatches(self.pointer(as: Double.self), result.mutablePointer(as: Double.self), geometry)
            }
        }
        return Tensor.computed(geometry.inputShape, dtype: dtype, fill, replaying: fill, reading: [self])
    }
}

/// The images of the batch split between the cores (each writes only its own images).
private func forEachImage(_ geometry: ConvolutionGeometry, _ body: (Range<Int>) -> Void) {
    let work = geometry.patchCount * geometry.patchSize
    let parts = work >= 1 << 16 ? min(Parallel.processorCount, geometry.batch) : 1
    Parallel.forEach(max(parts, 1)) { part in
        body((geometry.batch * part / max(parts, 1))..<(geometry.batch * (part + 1) / max(parts, 1)))
    }
}

private func extractPatches<S: TensorScalar>(_ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>,
                                              _ g: ConvolutionGeometry) {
    forEachKernelRow(g) { patch, pixel, count in
        if let pixel {
            (output + patch).update(from: input + pixel, count: count)
        } else {
            (output + patch).update(repeating: 0, count: count)
        }
    }
}

private func assemblePatches<S: TensorScalar>(_ input: UnsafePointer<S>, _ output: UnsafeMutablePointer<S>,
                                               _ g: ConvolutionGeometry) {
    forEachKernelRow(g) { patch, pixel, count in
        guard let pixel else { return }
        zipElements(UnsafePointer(output + pixel), input + patch, output + pixel, count: count) { $0 + $1 }
    }
}

/// Visits every patch's kernel rows in runs: `body(patch, pixel, count)` for `count` values
/// starting at offset `patch` of the im2col matrix, which come from the input's values starting
/// at offset `pixel`, or — `pixel` nil — lie on the padding. Images are split between the
/// cores; a run's pixels belong to its patch's image, so each core touches only its own.
@inline(__always)
private func forEachKernelRow(_ g: ConvolutionGeometry, _ body: (_ patch: Int, _ pixel: Int?, _ count: Int) -> Void) {
    let (kw, c) = (g.kernelWidth, g.channels)
    forEachImage(g) { images in
        for n in images {
            let image = n * g.inputHeight * g.inputWidth * c
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let row = ((n * g.outputHeight + oy) * g.outputWidth + ox) * g.patchSize
                    let left = ox * g.strideWidth - g.padLeft
                    let (first, end) = (max(0, -left), min(kw, g.inputWidth - left))
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight + ky - g.padTop
                        let start = row + ky * kw * c
                        guard iy >= 0 && iy < g.inputHeight && first < end else {
                            body(start, nil, kw * c)
                            continue
                        }
                        if first > 0 { body(start, nil, first * c) }
                        body(start + first * c, image + (iy * g.inputWidth + left + first) * c, (end - first) * c)
                        if end < kw { body(start + end * c, nil, (kw - end) * c) }
                    }
                }
            }
        }
    }
}
