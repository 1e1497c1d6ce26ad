import Tensors

/// The im2col matrix of an NHWC input: linear in the input, so its backward rule is the adjoint
/// (patches added back, col2im) and its tangent rule is itself.
struct PatchExtraction: DifferentiableOperation {
    let geometry: ConvolutionGeometry

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed.assemblingPatches(geometry)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.patches(geometry)
    }

    /// The block's members are k more images of the batch.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let block = tangents[0]!
        let images = block.shape[0] * geometry.batch
        return block.reshaped([images] + Array(geometry.inputShape.dropFirst())).patches(geometry.with(batch: images))
            .reshaped([block.shape[0]] + output.shape)
    }
}

/// Patches added back into an NHWC tensor (col2im), the adjoint of ``PatchExtraction``.
struct PatchAssembly: DifferentiableOperation {
    let geometry: ConvolutionGeometry

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed.patches(geometry)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.assemblingPatches(geometry)
    }

    /// The block's members are k more images of the batch.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let block = tangents[0]!
        let images = block.shape[0] * geometry.batch
        return block.reshaped([images * geometry.outputHeight * geometry.outputWidth, geometry.patchSize])
            .assemblingPatches(geometry.with(batch: images)).reshaped([block.shape[0]] + output.shape)
    }
}

extension Variable {
    /// The im2col matrix [patches, channels·kh·kw] of this NHWC input; see `Tensor.patches`.
    public func patches(_ geometry: ConvolutionGeometry) -> Variable {
        .recording(value.patches(geometry), PatchExtraction(geometry: geometry), self)
    }

    /// Patch rows added back into an NHWC tensor; see `Tensor.assemblingPatches`.
    public func assemblingPatches(_ geometry: ConvolutionGeometry) -> Variable {
        .recording(value.assemblingPatches(geometry), PatchAssembly(geometry: geometry), self)
    }

    /// A two-dimensional convolution (cross-correlation, as in every framework) of this NHWC
    /// input [n, h, w, in] with `weight` in PyTorch's layout [out, in, kh, kw]: the im2col matrix
    /// times the weight rearranged to [out, kh·kw·in] (transposed in the product), one matrix
    /// product for the whole batch.
    /// Result [n, oh, ow, out]. Differentiable to any order through the product, the
    /// rearrangement and the patch operations.
    public func convolution2D(weight: Variable, stride: (height: Int, width: Int) = (1, 1),
                              padding: ConvolutionGeometry.Padding = .same) -> Variable {
        guard rank == 4, weight.rank == 4, weight.shape[1] == shape[3] else {
            ShapeError(op: "convolution2D", detail: "input \(shape) (NHWC) and weight \(weight.shape) ([out, in, kh, kw]) do not fit").stop()
        }
        let geometry = ConvolutionGeometry(batch: shape[0], height: shape[1], width: shape[2], channels: shape[3],
                                           kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding)
        let outputs = weight.shape[0]
        let product = patches(geometry).matmul(weight.permuted([0, 2, 3, 1]).reshaped([outputs, geometry.patchSize]),
                                               transposingOther: true)
        return product.reshaped([shape[0], geometry.outputHeight, geometry.outputWidth, outputs])
    }

    /// The transposed convolution of this NHWC input [n, h, w, in] with `weight` in PyTorch's
    /// ConvTranspose2d layout [in, out, kh, kw], with TensorFlow's SAME output size
    /// [n, h·stride, w·stride, out]: the adjoint of the convolution of that output size, as a
    /// matrix product with the weight rearranged to [in, kh·kw·out], followed by col2im.
    public func transposedConvolution2D(weight: Variable, stride: (height: Int, width: Int)) -> Variable {
        guard rank == 4, weight.rank == 4, weight.shape[0] == shape[3] else {
            ShapeError(op: "transposedConvolution2D", detail: "input \(shape) (NHWC) and weight \(weight.shape) ([in, out, kh, kw]) do not fit").stop()
        }
        let geometry = ConvolutionGeometry.transposed(batch: shape[0], height: shape[1], width: shape[2],
                                                      channels: weight.shape[1], kernel: (weight.shape[2], weight.shape[3]),
                                                      stride: stride)
        let columns = reshaped([shape[0] * shape[1] * shape[2], shape[3]])
            .matmul(weight.permuted([0, 2, 3, 1]).reshaped([weight.shape[0], geometry.patchSize]))
        return columns.assemblingPatches(geometry)
    }

    /// The mean over non-overlapping `size`×`size` windows of this NHWC input (VALID).
    public func averagePooled(size: Int) -> Variable {
        guard rank == 4 else { ShapeError(op: "averagePooled", detail: "input \(shape) is not NHWC").stop() }
        let geometry = ConvolutionGeometry(batch: shape[0], height: shape[1], width: shape[2], channels: shape[3],
                                           kernel: (size, size), stride: (size, size), padding: .valid)
        return patches(geometry).reshaped([geometry.patchCount, size * size, shape[3]]).mean(alongAxes: [1])
            .reshaped([shape[0], geometry.outputHeight, geometry.outputWidth, shape[3]])
    }

    /// Batch normalization in training mode: (x − μ)/√(σ² + ε) with the mean and (biased)
    /// variance of the batch over every axis but the last (per channel of NHWC, per feature of
    /// [n, features]), differentiated through the statistics as TF-slim and PyTorch do. Returns
    /// the statistics' values too, for running averages.
    public func batchNormalized(epsilon: Double) -> (output: Variable, mean: Tensor, variance: Tensor) {
        let axes = Array(0..<(rank - 1))
        let mean = self.mean(alongAxes: axes, keepingDimensions: true)
        let centered = self - mean
        let variance = centered.squared().mean(alongAxes: axes, keepingDimensions: true)
        let output = centered / (variance + epsilon).squareRoot()
        return (output, mean.value.reshaped([shape[rank - 1]]), variance.value.reshaped([shape[rank - 1]]))
    }
}
